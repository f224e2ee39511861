"""Fail closed: a source, template or folder root that cannot be used stops the figures.

Each broken program below is the demo after one good run and one typical mistake. `run`
exits 1 and names what is wrong and the fix; the figures of the last good run stay as they
were: the teachers' spreadsheets and the calendar byte for byte, the coordinator's summary
cell for cell (its file also holds Data issues and the Run log, which say what happened).
`validate`, `doctor` and `run --dry-run` find the same problem first.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from jobs.cli import cli

TODAY = date(2026, 11, 23)  # the demo's day, as tests/e2e/conftest.py makes it


def _retitle(path: Path, headers: dict[str, str]) -> None:
    book = openpyxl.load_workbook(path)
    for sheet in book:
        for cell in sheet[1]:
            if cell.value in headers:
                cell.value = headers[cell.value]
    book.save(path)


def _edit_config(demo: Path, old: str, new: str) -> None:
    config = demo / "tutorsync.toml"
    text = config.read_text()
    assert old in text
    config.write_text(text.replace(old, new))


def mistyped_path(demo: Path) -> None:
    _edit_config(demo, '"gradebooks/reyes.xlsx"', '"gradebooks/hart.xlsx"')


def renamed_header(demo: Path) -> None:
    length = "Length of session (min)"
    _retitle(demo / "tutor_log.xlsx", {"Duration": length, "Minutes": length})


def text_file(demo: Path) -> None:
    (demo / "gradebooks" / "lindgren.xlsx").write_text("Grades are kept on paper this term.\n")


def missing_template(demo: Path) -> None:
    (demo / "templates" / "Individual learning plan.xlsx").unlink()


def missing_root(demo: Path) -> None:
    _edit_config(demo, 'root = "folders"', 'root = "student-folders"')


# Each mistake, and words every report of it must carry: where, and the fix.
BROKEN: dict[str, tuple[Callable[[Path], None], tuple[str, ...]]] = {
    "mistyped path": (mistyped_path, ("gradebooks/hart.xlsx", "the config")),
    "renamed header": (
        renamed_header,
        ("tutor_log.xlsx", "'Minutes'", 'columns = { minutes = "Length of session (min)" }'),
    ),
    "text file": (text_file, ("gradebooks/lindgren.xlsx", "save it as .xlsx")),
    "missing template": (
        missing_template,
        ("templates/Individual learning plan.xlsx", "folders.templates"),
    ),
    "missing root": (missing_root, ("student-folders", "folders.root")),
}


def invoke(demo: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, [*args[:1], "--config", str(demo / "tutorsync.toml"), *args[1:]]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout


def only_job(out: str) -> dict:
    """The report of a single job's --json document."""
    [job] = json.loads(out)["jobs"]
    return job


def run_json(demo: Path, *args: str) -> tuple[int, dict]:
    code, out = invoke(demo, "run", "--as-of", TODAY.isoformat(), "--json", *args)
    return code, json.loads(out)


def failures(document: dict) -> list[str]:
    return [failure for job in document["jobs"] for failure in job["failures"]]


def figures(demo: Path) -> dict[str, object]:
    """The last run's figures: files whole, the coordinator's summary by its cells."""
    files = [
        *sorted((demo / "gradebooks").glob("*.xlsx")),
        *sorted((demo / "progress").glob("*.xlsx")),
        demo / "calendar.ics",
    ]
    found: dict[str, object] = {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in files
    }
    summary = openpyxl.load_workbook(demo / "coordinator.xlsx")["Progress summary"]
    found["summary"] = [row for row in summary.iter_rows(values_only=True)]
    return found


@pytest.mark.parametrize("mistake", BROKEN, ids=list(BROKEN))
def test_a_broken_program_writes_no_figures_and_names_the_fix(demo, mistake):
    code, _ = run_json(demo)
    assert code == 0
    breaks, words = BROKEN[mistake]
    breaks(demo)
    before = figures(demo)  # the good run's figures (and the broken file, as broken)

    code, document = run_json(demo)

    assert code == 1 and not document["ok"]
    said = failures(document)
    assert any(all(word in failure for word in words) for failure in said), said
    [progress] = [job for job in document["jobs"] if job["job"] == "progress"]
    assert any("no figures were written" in failure for failure in progress["failures"])
    assert figures(demo) == before
    assert not (demo / "gradebooks" / "hart.xlsx").exists()  # a source is never created
    # The Run log has a row for each job of the run, failed where the job failed.
    run_log = list(openpyxl.load_workbook(demo / "coordinator.xlsx")["Run log"].values)
    jobs = document["jobs"]
    logged = {row[1]: str(row[2]) for row in run_log[-len(jobs) :]}
    assert {job["job"]: job["ok"] for job in jobs} == {
        name: status == "ok" for name, status in logged.items()
    }
    assert logged["progress"].startswith("failed: no figures were written")
    # ... and Data issues, which the Run log points to, says why.
    issues = list(openpyxl.load_workbook(demo / "coordinator.xlsx")["Data issues"].values)
    assert any(all(word in " ".join(map(str, row)) for word in words[:1]) for row in issues)


@pytest.mark.parametrize("mistake", BROKEN, ids=list(BROKEN))
def test_validate_doctor_and_a_dry_run_find_the_problem_the_run_would(demo, mistake):
    breaks, words = BROKEN[mistake]
    breaks(demo)

    code, document = run_json(demo, "--dry-run")
    assert code == 1
    assert any(all(word in failure for word in words) for failure in failures(document))
    code, out = invoke(demo, "validate", "--as-of", TODAY.isoformat(), "--json")
    assert code == 1
    assert any(all(word in failure for word in words) for failure in only_job(out)["failures"])
    code, out = invoke(demo, "doctor")
    assert code == 1 and "all checks passed" not in out
    fixes = [line for line in out.splitlines() if line.startswith("FIX")]
    assert any(words[0] in line for line in fixes), out


def test_the_demo_as_generated_passes_all_four(demo):
    code, document = run_json(demo, "--dry-run")
    assert code == 0 and not failures(document)
    code, out = invoke(demo, "validate", "--as-of", TODAY.isoformat(), "--json")
    assert code == 0 and not only_job(out)["failures"]
    code, out = invoke(demo, "doctor")
    assert code == 0 and "all checks passed" in out
    code, document = run_json(demo)
    assert code == 0 and not failures(document)


def test_validate_and_run_report_the_same_data_issues_on_the_demo(demo):
    # A tutor outside the allowed domains: a folders issue, which validate finds too.
    book = openpyxl.load_workbook(demo / "roster.xlsx")
    sheet = book["Roster"]
    header = [cell.value for cell in sheet[1]]
    sheet.cell(row=2, column=header.index("Tutor Email") + 1, value="pat@gmail.example")
    book.save(demo / "roster.xlsx")
    code, out = invoke(demo, "validate", "--as-of", TODAY.isoformat(), "--json")
    assert code == 0
    validated = only_job(out)["issues"]
    code, document = run_json(demo)
    assert code == 0
    [progress] = [job for job in document["jobs"] if job["job"] == "progress"]

    def places(issues: list[dict]) -> list[tuple[str, str, str, str]]:
        return [(i["spreadsheet"], i["tab"], i["cell"], i["category"]) for i in issues]

    assert places(validated) == places(progress["issues"])
    assert ("roster.xlsx", "Roster", "E2", "address outside folders.allowed_domains") in places(
        validated
    )


def test_validate_shows_how_each_tab_was_read_and_a_header_that_looks_like_a_field(demo):
    _retitle(demo / "tutor_log.xlsx", {"Subject": "Subject area"})

    code, out = invoke(demo, "validate", "--as-of", TODAY.isoformat(), "--json")

    assert code == 0  # a near miss is a warning, not a failure
    columns = {(c["spreadsheet"], c["tab"]): c for c in only_job(out)["columns"]}
    form = columns[("tutor_log.xlsx", "Form Responses 1")]
    assert form["fields"]["minutes"] == "Duration" and form["fields"]["subject"] is None
    assert form["near_misses"] == [{"header": "Subject area", "field": "subject"}]
    okafor = columns[("gradebooks/okafor.xlsx", "Grades")]
    assert okafor["fields"]["student_id"] == "Learner #"  # mapped in the config
    code, out = invoke(demo, "validate", "--as-of", TODAY.isoformat())
    assert code == 0 and 'columns = { subject = "Subject area" }' in out


def test_a_calendar_that_cannot_be_read_fails_check_ins_alone(demo):
    code, _ = run_json(demo)
    assert code == 0
    (demo / "calendar.ics").write_bytes(b"BEGIN:VCALENDAR\r\n\xff\xfe not UTF-8\r\n")
    roster = openpyxl.load_workbook(demo / "roster.xlsx")
    roster["Roster"].cell(row=2, column=3, value=9)  # a grade level changes: progress writes
    roster.save(demo / "roster.xlsx")

    code, document = run_json(demo)

    assert code == 1
    jobs = {job["job"]: job for job in document["jobs"]}
    assert not jobs["checkins"]["ok"] and "calendar.ics" in jobs["checkins"]["failures"][0]
    assert jobs["progress"]["ok"] and jobs["progress"]["changes"] >= 1  # written regardless
    run_log = list(openpyxl.load_workbook(demo / "coordinator.xlsx")["Run log"].values)
    assert {row[1]: str(row[2])[:6] for row in run_log[-3:]} == {
        "folders": "ok",
        "checkins": "failed",
        "progress": "ok",
    }


def test_a_byte_a_csv_cannot_read_is_a_data_issue_at_its_cell(demo):
    path = demo / "gradebooks" / "banda.csv"
    raw = path.read_bytes()
    # A name typed in UTF-8, one stray byte after it (row 6: Ibrahim Bergström, in column B).
    path.write_bytes(raw.replace("Bergström".encode(), "Bergström".encode() + b"\xff", 1))

    code, document = run_json(demo)

    assert code == 0  # a warning: the row still counts
    [progress] = [job for job in document["jobs"] if job["job"] == "progress"]
    found = {(i["spreadsheet"], i["cell"]): i["category"] for i in progress["issues"]}
    assert "B6" in {cell for sheet, cell in found if sheet == "gradebooks/banda.csv"}
    sheet = openpyxl.load_workbook(demo / "progress" / "banda-progress.xlsx")["Tutoring progress"]
    assert any("Bergström" in str(row[1]) for row in sheet.iter_rows(values_only=True))
