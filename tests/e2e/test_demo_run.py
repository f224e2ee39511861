"""The quick start, as a coordinator runs it: demo program, `tutorsync run`, spreadsheets."""

import hashlib
from pathlib import Path

import openpyxl
import pandas as pd

from jobs import settings as settings_module

SOURCE_TABS = {"roster.xlsx": ["Roster"], "tutor_log.xlsx": ["Form Responses 1", "Older sessions"]}


def tabs(path: Path) -> list[str]:
    return openpyxl.load_workbook(path).sheetnames


def rows(path: Path, tab: str) -> list[tuple]:
    return list(openpyxl.load_workbook(path)[tab].iter_rows(values_only=True))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def source_files(demo: Path) -> list[Path]:
    config = settings_module.load(demo / "tutorsync.toml")
    names = [config.sources.roster.spreadsheet, *(s.spreadsheet for s in config.sources.tutor_logs)]
    names += [g.spreadsheet for g in config.sources.gradebooks]
    return [demo / name for name in dict.fromkeys(names)]


def test_run_writes_summary_teacher_issue_and_run_log_tabs(demo, tutorsync):
    report = tutorsync.json("run")
    assert report["ok"] and report["students"] > 40 and report["changes"] > 0
    assert tabs(demo / "coordinator.xlsx") == [
        "Progress summary",
        "Data issues",
        "Program overview",
        "Weekly history",
        "Impact",
        "Run log",
    ]
    config = settings_module.load(demo / "tutorsync.toml")
    for book in config.sources.gradebooks:
        target = config.outputs.teacher_spreadsheets.get(book.teacher, book.spreadsheet)
        assert "Tutoring progress" in tabs(demo / target)
    summary = rows(demo / "coordinator.xlsx", "Progress summary")
    assert summary[0][:2] == ("Student ID", "Student")
    statuses = [row[summary[0].index("Status")] for row in summary[1:] if row[1]]
    # The demo's tutoring falls short of the dosage target (3 x 30 minutes a week): nobody is
    # On track; Act now comes first.
    assert statuses[0] == "Act now" and set(statuses) == {"Act now", "Watch"}
    assert statuses == sorted(statuses, key=["Act now", "Watch", "On track"].index)


def test_teacher_tab_holds_only_that_teachers_students(demo, tutorsync):
    tutorsync("run")
    config = settings_module.load(demo / "tutorsync.toml")
    roster = rows(demo / "roster.xlsx", "Roster")
    for book in config.sources.gradebooks:
        theirs = {r[0] for r in roster[1:] if r and r[3] == book.teacher}
        target = config.outputs.teacher_spreadsheets.get(book.teacher, book.spreadsheet)
        found = rows(demo / target, "Tutoring progress")
        listed = {r[0] for r in found[1:] if r[0] and not r[0].startswith("Last updated")}
        assert listed and listed <= theirs
        assert found[-1][0].startswith("Last updated ")  # when the run wrote the tab


def test_a_script_reads_the_students_as_the_readme_says(demo, tutorsync):
    """README (Owned tabs): pandas with skipfooter=1, then the Status column."""
    tutorsync("run")
    frame = pd.read_excel(
        demo / "coordinator.xlsx",
        sheet_name="Progress summary",
        skipfooter=1,
        dtype={"Student ID": str},
        engine="calamine",
    )
    current = frame[frame["Status"].notna() & (frame["Status"] != "Archived")]
    summary = rows(demo / "coordinator.xlsx", "Progress summary")
    listed = [row[0] for row in summary[1:] if row[summary[0].index("Status")]]
    assert list(current["Student ID"]) == listed
    assert not frame["Student ID"].str.startswith("Last updated").any()
    assert current["Grade level"].dtype == "int64"  # numbers, not text


def test_second_run_changes_nothing_and_writes_nothing(demo, tutorsync):
    tutorsync("run")
    written = [demo / "coordinator.xlsx", *(demo / "gradebooks").glob("*.xlsx")]
    before = {p: digest(p) for p in written}
    report = tutorsync.json("run")
    assert report["changes"] == 0 and report["cells_changed"] == 0
    assert report["actions"] == []
    assert {p: digest(p) for p in written} == before  # not even the run log was rewritten
    log = rows(demo / "coordinator.xlsx", "Run log")
    assert [row[1] for row in log[1:]] == ["folders", "checkins", "progress"]  # the first run


def test_a_run_that_changes_something_appends_one_log_row(demo, tutorsync):
    tutorsync("run")
    book = openpyxl.load_workbook(demo / "roster.xlsx")
    book["Roster"].cell(row=2, column=3, value=9)  # a grade level changes
    book.save(demo / "roster.xlsx")
    report = tutorsync.json("run")
    assert report["changes"] >= 1
    log = rows(demo / "coordinator.xlsx", "Run log")
    # One row per job of each run that changed something, in the program's time zone.
    assert [row[1] for row in log[1:]] == ["folders", "checkins", "progress"] * 2
    assert all(row[2] == "ok" for row in log[1:])
    zone = log[0].index("Time zone")
    assert {row[zone] for row in log[1:]} == {"America/Chicago"}


def test_notes_typed_between_runs_survive(demo, tutorsync):
    tutorsync("run")
    book = openpyxl.load_workbook(demo / "coordinator.xlsx")
    sheet = book["Progress summary"]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=3, column=header.index("Coordinator notes") + 1, value="=call home Friday")
    sheet.cell(row=3, column=header.index("Coordinator notes") + 1).data_type = "s"
    student_id = sheet.cell(row=3, column=1).value
    book.save(demo / "coordinator.xlsx")

    assert tutorsync.json("run")["changes"] == 0
    after = rows(demo / "coordinator.xlsx", "Progress summary")
    note = {r[0]: r[after[0].index("Coordinator notes")] for r in after[1:]}[student_id]
    assert note == "=call home Friday"


def test_sources_are_not_changed_by_a_run(demo, tutorsync):
    plain_sources = [p for p in source_files(demo) if p.name == "roster.xlsx" or p.suffix == ".csv"]
    before = {p: digest(p) for p in plain_sources}
    # Files that also hold tutorsync's tabs: their educators' tabs keep every value.
    tabs_before = {
        (p, tab): rows(p, tab)
        for p in source_files(demo)
        if p.suffix == ".xlsx" and p not in plain_sources
        for tab in SOURCE_TABS.get(p.name, ["Grades"])
    }
    tutorsync("run")
    tutorsync("run")
    assert {p: digest(p) for p in plain_sources} == before
    assert {(p, tab): rows(p, tab) for p, tab in tabs_before} == tabs_before


def test_planted_mess_is_reported_where_it_is(tutorsync):
    report = tutorsync.json("validate")
    problems = " | ".join(i["problem"] + " " + i["fix"] for i in report["issues"])
    assert "did you mean" in problems
    assert "'abc'" in problems
    assert "dated after" in problems
    assert "counted once" in problems
    assert all(i["tab"] and i["problem"] and i["fix"] for i in report["issues"])


def test_validate_and_dry_run_write_nothing(demo, tutorsync):
    before = {p: digest(p) for p in demo.rglob("*") if p.is_file()}
    result = tutorsync("validate")
    assert "data issues" in result.output
    result = tutorsync("run", "--dry-run")
    assert "would write" in result.output and "Progress summary" in result.output
    assert {p: digest(p) for p in demo.rglob("*") if p.is_file()} == before


def test_strict_exits_3_when_there_are_data_issues(tutorsync):
    tutorsync("validate", "--strict", expect=3)


def test_bad_config_exits_2_naming_the_key(demo, tutorsync):
    config = demo / "tutorsync.toml"
    config.write_text(config.read_text().replace("window_days = 28", 'window_days = "four weeks"'))
    result = tutorsync("run", expect=2)
    assert "thresholds.window_days" in result.output


def test_missing_config_exits_2(tmp_path):
    from click.testing import CliRunner

    from jobs.cli import cli

    result = CliRunner().invoke(cli, ["run", "--config", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2 and "tutorsync demo" in result.output


def test_open_spreadsheet_fails_the_run_clearly_and_writes_nothing(demo, tutorsync):
    tutorsync("run")
    (demo / ".~lock.coordinator.xlsx#").write_text("someone,host")
    before = digest(demo / "coordinator.xlsx")
    result = tutorsync("run", expect=1)
    assert "open in another program" in result.output
    assert digest(demo / "coordinator.xlsx") == before


def test_a_gradebook_open_in_excel_is_still_read_and_its_tab_waits(demo, tutorsync):
    tutorsync("run")
    (demo / "gradebooks" / "~$okafor.xlsx").write_text("someone")
    before = digest(demo / "gradebooks" / "okafor.xlsx")
    report = tutorsync.json("run", expect=1)
    assert not report["ok"]
    assert any("okafor.xlsx was left as it is" in failure for failure in report["failures"])
    graded = {i["spreadsheet"] for i in report["issues"]}
    assert "gradebooks/okafor.xlsx" in graded  # its Grades tab was still read as a source
    assert digest(demo / "gradebooks" / "okafor.xlsx") == before
    log = rows(demo / "coordinator.xlsx", "Run log")
    assert log[-1][2].startswith("failed")


def test_doctor_passes_on_the_demo_and_changes_nothing(demo):
    from click.testing import CliRunner

    from jobs.cli import cli

    before = {p: digest(p) for p in demo.rglob("*") if p.is_file()}
    result = CliRunner().invoke(cli, ["doctor", "--config", str(demo / "tutorsync.toml")])
    assert result.exit_code == 0, result.output
    assert "all checks passed" in result.output
    assert "read roster.xlsx: tabs 'Roster'" in result.output
    assert "write coordinator.xlsx" in result.output
    assert {p: digest(p) for p in demo.rglob("*") if p.is_file()} == before


def test_doctor_names_what_to_fix(demo):
    from click.testing import CliRunner

    from jobs.cli import cli

    config = demo / "tutorsync.toml"
    config.write_text(config.read_text().replace('tab = "Roster"', 'tab = "Rooster"'))
    result = CliRunner().invoke(cli, ["doctor", "--config", str(config)])
    assert result.exit_code == 1
    assert "FIX read roster.xlsx: no tab 'Rooster'; its tabs are: 'Roster'" in result.output


def test_status_why_wins_and_dosage_carry_conditional_formats(demo, tutorsync):
    tutorsync("run")
    sheet = openpyxl.load_workbook(demo / "coordinator.xlsx")["Progress summary"]
    header = [c.value for c in sheet[1]]
    formulas = {
        str(rule_range.sqref).split(":")[0][0]: [r.formula[0] for r in rule_range.rules]
        for rule_range in sheet.conditional_formatting
    }
    status = openpyxl.utils.get_column_letter(header.index("Status") + 1)
    assert formulas[status] == [f'${status}2="Act now"', f'${status}2="On track"']
    sessions = openpyxl.utils.get_column_letter(header.index("Sessions / week (target 3)") + 1)
    assert formulas[sessions] == [f"AND(ISNUMBER(${sessions}2),${sessions}2<3)"]


def test_benchmark_growth_shows_per_student_and_by_dosage_band(demo, tutorsync):
    tutorsync("run")
    summary = rows(demo / "coordinator.xlsx", "Progress summary")
    growth = [r[summary[0].index("Benchmark growth")] for r in summary[1:] if r and r[2]]
    assert growth and all(g.startswith("MAP Math: ") for g in growth if g)
    assert any("since" in g and "percentile" in g for g in growth if g)
    impact = rows(demo / "coordinator.xlsx", "Impact")
    [header] = [r for r in impact if r[0] == "Test"]
    assert header[3] == "Students with a score change"
    # 60 students: every band but one holds fewer than 10, so its figures are held back.
    benchmark = [r for r in impact if r[0] == "MAP Math"]
    assert benchmark and any("not shown" in str(r[2]) for r in benchmark)


def test_each_class_compares_its_tutored_students_with_classmates_outside_the_program(
    demo, tutorsync
):
    report = tutorsync.json("run")
    impact = rows(demo / "coordinator.xlsx", "Impact")
    start = next(n for n, r in enumerate(impact) if str(r[0]).startswith("In the same class"))
    end = next(n for n, r in enumerate(impact) if str(r[0]).startswith("Benchmark tests"))
    classes = impact[start + 1 : end]
    assert {r[0] for r in classes} == {"Ms. Okafor", "Mr. Banda", "Ms. Reyes", "Mr. Lindgren"}
    # Each gradebook's 12 classmates (and the roster's untutored students) make a group of 10+.
    assert all(isinstance(r[2], int) and r[2] >= 10 for r in classes)
    assert all(isinstance(r[4], float) for r in classes)
    # Read as classmates, not as mistakes: only the planted gradebook issues are reported.
    gradebook_issues = [i for i in report["issues"] if i["spreadsheet"].startswith("gradebooks/")]
    assert {i["category"] for i in gradebook_issues} == {
        "Score: not a score",
        "student ID typed without its leading zeros",
    }


def test_a_staff_list_that_cannot_be_read_costs_names_only(demo, tutorsync):
    config = demo / "tutorsync.toml"
    config.write_text(config.read_text().replace('tab = "Staff"', 'tab = "Personnel"'))

    report = tutorsync.json("run")

    assert report["ok"] and report["changes"] > 0  # the figures are written all the same
    [staff] = [i for i in report["issues"] if i["tab"] == "Personnel"]
    assert staff["severity"] == "warning" and staff["category"] == "staff list could not be read"
    summary = rows(demo / "coordinator.xlsx", "Progress summary")
    teachers = {r[summary[0].index("Teachers")] for r in summary[1:] if r[2]}
    assert any("@" in str(t) for t in teachers)


def test_progress_tabs_show_open_goals_their_reasons_and_met_goals_as_wins(demo, tutorsync):
    tutorsync("run")
    summary = rows(demo / "coordinator.xlsx", "Progress summary")
    header = summary[0]
    assert "Goals" in header and "Learning plan" in header
    by_column = {title: [row[header.index(title)] for row in summary[1:] if row[0]] for title in
                 ("Goals", "Why", "Wins")}  # fmt: skip
    goals = "\n".join(text for text in by_column["Goals"] if text)
    assert "Raise the math grade: grade with Ms. Reyes" in goals
    assert "Come to tutoring three times a week: sessions a week 2 → 3 by " in goals
    assert "Grow on the winter MAP Math test: MAP Math " in goals
    assert "Top of the class in math by the break:" in goals and "; off pace" in goals
    assert "Read a chapter book on their own: open by " in goals and "; past its date" in goals
    assert "Old goal from September" not in goals  # dropped
    why = "\n".join(text for text in by_column["Why"] if text)
    assert "Goal off pace: Top of the class in math by the break" in why
    assert "Goal past its date" in why
    wins = "\n".join(text for text in by_column["Wins"] if text)
    assert "Goal met: Show working on every homework problem (marked met by Ms. Reyes)." in wins
    assert "Goal met: Keep the math grade above a pass" in wins
    config = settings_module.load(demo / "tutorsync.toml")
    teacher_tabs = [
        rows(demo / config.outputs.teacher_spreadsheets.get(b.teacher, b.spreadsheet),
             "Tutoring progress")
        for b in config.sources.gradebooks
    ]  # fmt: skip
    assert any(
        "Raise the math grade" in str(row[tab[0].index("Goals")])
        for tab in teacher_tabs
        for row in tab[1:]
    )
    again = tutorsync.json("run")
    assert again["cells_changed"] == 0  # goals are computed alike on a rerun
