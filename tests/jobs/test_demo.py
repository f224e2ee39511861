"""The demo program: valid config, deterministic, sized by the student count, and carrying
every planted mistake and flag pattern its docstring promises."""

import csv
import re
import shutil
import unicodedata
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from jobs import settings
from jobs.demo import CLASSMATES, MAX_STUDENTS, MIN_STUDENTS, PLANTED_MESS, create_demo

pytestmark = pytest.mark.slow  # most tests generate a whole demo program

TODAY = date(2026, 11, 23)
START = TODAY - timedelta(days=69)  # first day of week 1 of 10
FORM, OLDER = "Form Responses 1", "Older sessions"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    create_demo(folder, today=TODAY)
    return folder


def grid(path: Path, tab: str = "Grades") -> list[tuple]:
    """Cell values as read back: openpyxl for .xlsx (dates come back as datetimes)."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as file:
            return [tuple(row) for row in csv.reader(file)]
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [_trimmed(row) for row in book[tab].iter_rows(values_only=True)]
    finally:
        book.close()


def _trimmed(row: tuple) -> tuple:
    """Without trailing empty cells: read-only mode pads some rows and not others."""
    end = len(row)
    while end and row[end - 1] is None:
        end -= 1
    return tuple(row[:end])


def records(path: Path, tab: str) -> list[dict]:
    header, *rows = grid(path, tab)
    padded = [(*row, *[None] * (len(header) - len(row))) for row in rows]  # rows can be ragged
    return [
        dict(zip(header, row, strict=True)) for row in padded if any(v is not None for v in row)
    ]


def form(demo: Path) -> list[dict]:
    return records(demo / "tutor_log.xlsx", FORM)


def older(demo: Path) -> list[dict]:
    return records(demo / "tutor_log.xlsx", OLDER)


def roster(demo: Path) -> list[dict]:
    return records(demo / "roster.xlsx", "Roster")


def day_of(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    for pattern in ("%m/%d/%Y", "%b %d, %Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(str(value), pattern).date()
        except ValueError:
            pass
    raise AssertionError(f"not a date: {value!r}")


def name_key(name: str) -> str:
    """'Ávila, José' and 'Jose Avila' -> 'jose avila'."""
    if "," in name:
        last, first = name.split(",", 1)
        name = f"{first} {last}"
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(plain.lower().split())


def gradebooks(demo: Path) -> dict[str, Path]:
    config = settings.load(demo / "tutorsync.toml")
    return {book.teacher: demo / book.spreadsheet for book in config.sources.gradebooks}


def sessions(demo: Path) -> list[tuple[str | None, date, bool]]:
    """(student ID, day, attended) for every session row in both tabs."""
    attended_words = {"present", "p", "yes"}
    rows = [(r["Student ID"], r["Session Date"], r["Attendance"]) for r in form(demo)]
    rows += [(r["ID"], r["Date"], r["Attended?"]) for r in older(demo)]
    return [(sid, day_of(day), str(word).lower() in attended_words) for sid, day, word in rows]


def active_tutored_ids(demo: Path) -> set[str]:
    return {
        r["Student ID"]
        for r in roster(demo)
        if r["Tutor Email"] and r["Active"] not in ("No", "Inactive")
    }


# --- Config, determinism, refusal, scale --------------------------------------------------------


def test_generated_config_is_valid_and_names_every_source_that_was_written(demo):
    config = settings.load(demo / "tutorsync.toml")
    assert config.program.name == "Riverbend Demo Tutoring (fictional)"
    assert config.program.timezone == "America/Chicago"
    assert config.sources.tutor_logs[0].tabs == [FORM, OLDER]
    assert len(config.sources.gradebooks) == 4  # 60 students // 15
    sources = [config.sources.roster.spreadsheet, config.sources.tutor_logs[0].spreadsheet]
    sources += [book.spreadsheet for book in config.sources.gradebooks]
    assert all((demo / source).is_file() for source in sources)
    okafor = next(b for b in config.sources.gradebooks if b.spreadsheet.endswith("okafor.xlsx"))
    assert okafor.columns == {"student_id": "Learner #"}
    assert config.outputs.teacher_spreadsheets == {
        "mr.banda@riverbend.example": "progress/banda-progress.xlsx"
    }


def workbook_values(folder: Path) -> dict[str, object]:
    contents: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path, read_only=True)
            contents[str(path.relative_to(folder))] = {
                sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets
            }
            book.close()
        elif path.is_file():
            contents[str(path.relative_to(folder))] = path.read_text(encoding="utf-8")
    return contents


def test_same_arguments_write_the_same_cells(tmp_path):
    create_demo(tmp_path / "a", today=TODAY, students=40, seed=3)
    create_demo(tmp_path / "b", today=TODAY, students=40, seed=3)
    first = workbook_values(tmp_path / "a")
    # roster, tutor log, 2 gradebooks (one a CSV), benchmark results, template, README, config
    assert len(first) == 8
    assert first == workbook_values(tmp_path / "b")


def test_another_seed_gives_another_program(tmp_path):
    create_demo(tmp_path / "a", today=TODAY, students=40, seed=3)
    create_demo(tmp_path / "b", today=TODAY, students=40, seed=4)
    assert roster(tmp_path / "a") != roster(tmp_path / "b")


def test_refuses_a_folder_that_already_has_a_config(tmp_path):
    (tmp_path / "tutorsync.toml").write_text("# the coordinator's own settings\n")
    with pytest.raises(FileExistsError):
        create_demo(tmp_path, today=TODAY)
    assert (tmp_path / "tutorsync.toml").read_text() == "# the coordinator's own settings\n"
    assert not (tmp_path / "roster.xlsx").exists()


def test_creates_a_missing_folder_and_returns_the_config_path(tmp_path):
    folder = tmp_path / "new" / "demo"
    assert create_demo(folder, today=TODAY) == folder / "tutorsync.toml"
    assert (folder / "tutorsync.toml").is_file()


@pytest.mark.parametrize("students", [MIN_STUDENTS - 1, MAX_STUDENTS + 1])
def test_refuses_a_student_count_it_cannot_build(tmp_path, students):
    with pytest.raises(ValueError, match="students"):
        create_demo(tmp_path, today=TODAY, students=students)
    assert not (tmp_path / "tutorsync.toml").exists()


def test_program_size_follows_the_student_count(tmp_path):
    create_demo(tmp_path, today=TODAY, students=300)
    rows = roster(tmp_path)
    assert len({r["Student ID"] for r in rows}) == 300
    assert len({r["Teacher Email"] for r in rows}) == 20  # 300 // 15
    assert len({r["Tutor Email"] for r in rows if r["Tutor Email"]}) == 30  # 300 // 10
    assert len(gradebooks(tmp_path)) == 20


def test_smallest_program_still_carries_every_planted_mistake(tmp_path):
    create_demo(tmp_path, today=TODAY, students=MIN_STUDENTS)
    assert len({r["Student ID"] for r in roster(tmp_path)}) == MIN_STUDENTS
    for item in PLANTED_MESS:
        assert PLANTED_CHECKS[item.key](tmp_path), item.key


# --- The planted mess --------------------------------------------------------------------------


def one_misspelled_name_without_id(demo: Path) -> bool:
    typed = [r for r in form(demo) if r["Student Name"] == "Thabo Mahlemone"]
    names = [r["Student Name"] for r in roster(demo)]
    return (
        len(typed) == 1
        and typed[0]["Student ID"] is None
        and "Molemone, Thabo" in names
        and not any("Mahlemone" in name for name in names)
    )


def one_accents_stripped_name_without_id(demo: Path) -> bool:
    typed = [r for r in form(demo) if r["Student Name"] == "Jose Avila"]
    matches = [r for r in roster(demo) if name_key(r["Student Name"]) == "jose avila"]
    return (
        len(typed) == 1
        and typed[0]["Student ID"] is None
        and {r["Student Name"] for r in matches} == {"Ávila, José"}
    )


def one_duplicate_session(demo: Path) -> bool:
    keys = Counter(
        (r["Student ID"], r["Session Date"], r["Email Address"], r["Duration"]) for r in form(demo)
    )
    return sorted(keys.values())[-2:] == [1, 2]  # exactly one key twice


def cell_appears_once(column: str, value: str) -> Callable[[Path], bool]:
    return lambda demo: [r[column] for r in form(demo)].count(value) == 1


def one_future_session(demo: Path) -> bool:
    future = [r["Session Date"] for r in form(demo) if day_of(r["Session Date"]) > TODAY]
    return future == [datetime(2026, 11, 26)]  # a real date cell, 3 days after today


def one_student_not_on_roster(demo: Path) -> bool:
    typed = [r for r in form(demo) if r["Student ID"] == "99999"]
    names = {name_key(r["Student Name"]) for r in roster(demo)}
    ids = {r["Student ID"] for r in roster(demo)}
    return (
        len(typed) == 1 and "99999" not in ids and name_key(typed[0]["Student Name"]) not in names
    )


def formula_like_notes_stored_as_text(demo: Path) -> bool:
    sheet = openpyxl.load_workbook(demo / "tutor_log.xlsx")[FORM]
    notes = [c for row in sheet.iter_rows(min_col=9, max_col=9) for c in row]
    planted = [c for c in notes if c.value in ("=see last week", "+1 more worksheet")]
    return len(planted) == 2 and all(c.data_type == "s" for c in planted)


def one_score_not_a_score(demo: Path) -> bool:
    cells = [value for row in grid(demo / "gradebooks/okafor.xlsx") for value in row]
    return cells.count("N/A") == 1


def ids_typed_as_numbers(demo: Path) -> bool:
    header, *rows = grid(demo / "gradebooks/okafor.xlsx")
    numbers = [row[0] for row in rows[3:] if isinstance(row[0], int)]
    roster_ids = {r["Student ID"] for r in roster(demo)}
    return (
        header[0] == "Learner #"
        and bool(numbers)
        and all(f"{n:05d}" in roster_ids and f"{n:05d}".startswith("0") for n in numbers)
    )


def csv_gradebook(demo: Path) -> bool:
    header, points, dates, *_ = grid(demo / "gradebooks/banda.csv")
    config = settings.load(demo / "tutorsync.toml")
    return (
        header[:2] == ("Student ID", "Student")
        and points[0] == "Points"
        and all(re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", d) for d in dates[2:])
        and "mr.banda@riverbend.example" in config.outputs.teacher_spreadsheets
    )


def one_blank_roster_row(demo: Path) -> bool:
    rows = grid(demo / "roster.xlsx", "Roster")
    blank = [i for i, row in enumerate(rows) if all(v is None for v in row)]
    return len(blank) == 1 and 1 < blank[0] < len(rows) - 1


PLANTED_CHECKS: dict[str, Callable[[Path], bool]] = {
    "misspelled_name_without_id": one_misspelled_name_without_id,
    "accents_stripped_name_without_id": one_accents_stripped_name_without_id,
    "duplicate_session": one_duplicate_session,
    "minutes_not_a_number": cell_appears_once("Duration", "abc"),
    "unknown_attendance": cell_appears_once("Attendance", "maybe"),
    "future_session": one_future_session,
    "student_not_on_roster": one_student_not_on_roster,
    "formula_like_notes": formula_like_notes_stored_as_text,
    "score_not_a_score": one_score_not_a_score,
    "ids_typed_as_numbers": ids_typed_as_numbers,
    "csv_gradebook": csv_gradebook,
    "blank_roster_row": one_blank_roster_row,
}


def test_every_planted_mistake_has_a_check():
    assert set(PLANTED_CHECKS) == {item.key for item in PLANTED_MESS}


@pytest.mark.parametrize("item", PLANTED_MESS, ids=lambda item: item.key)
def test_planted_mistake_is_in_the_sources(demo, item):
    assert (demo / item.spreadsheet).is_file()
    assert PLANTED_CHECKS[item.key](demo)


# --- What the sources look like ------------------------------------------------------------------


def test_every_email_is_at_the_reserved_example_domain(demo):
    emails = []
    for path in demo.rglob("*"):
        if path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path, read_only=True)
            text = " ".join(
                str(v) for s in book for row in s.iter_rows(values_only=True) for v in row
            )
            book.close()
        elif path.is_file():
            text = path.read_text(encoding="utf-8")
        else:
            continue
        emails += re.findall(r"[\w.+-]+@[\w.-]+", text)
    assert len(emails) > 100
    assert {email.split("@")[1] for email in emails} == {"riverbend.example"}


def test_roster_has_text_ids_second_teachers_and_a_few_inactive_students(demo):
    header = grid(demo / "roster.xlsx", "Roster")[0]
    assert header == (
        "Student ID",
        "Student Name",
        "Grade",
        "Teacher Email",
        "Tutor Email",
        "Active",
    )
    rows = roster(demo)
    assert all(re.fullmatch(r"\d{5}", r["Student ID"]) for r in rows)
    second_rows = len(rows) - len({r["Student ID"] for r in rows})
    assert 0.08 * 60 <= second_rows <= 0.3 * 60  # about 1 in 6
    inactive = {r["Student ID"] for r in rows if r["Active"] in ("No", "Inactive")}
    assert len(inactive) == 3  # 5%
    assert {r["Active"] for r in rows} <= {"Yes", "Active", None, "No", "Inactive"}
    last_first = sum("," in r["Student Name"] for r in rows)
    assert len(rows) / 2 < last_first < len(rows)  # mostly "Last, First", some "First Last"
    assert {r["Grade"] for r in rows} == {6, 7, 8}
    assert {"José", "Zoë", "Anne-Marie", "O'Brien"} <= {
        part.strip() for r in rows for part in r["Student Name"].replace(",", " ").split()
    }


def test_form_cells_mix_the_formats_tutors_type(demo):
    rows = form(demo)
    dates = [r["Session Date"] for r in rows]
    assert sum(isinstance(d, datetime) for d in dates) > 0.7 * len(dates)
    texts = [d for d in dates if isinstance(d, str)]
    for pattern in (r"\d{1,2}/\d{1,2}/\d{4}", r"[A-Z][a-z]{2} \d{1,2}, \d{4}", r"\d{4}-\d\d-\d\d"):
        assert any(re.fullmatch(pattern, d) for d in texts), pattern
    durations = {r["Duration"] for r in rows}
    assert {30, 45, 60, "45 min", "1h", "1h 15m", "1:15", "0.75 h"} <= durations
    attendance = {r["Attendance"] for r in rows}
    assert {"Present", "P", "present", "Absent", "No show", "Tutor cancelled"} <= attendance
    assert {"Yes", "No", None, "x"} <= {r["Follow-up needed?"] for r in rows}
    assert all(isinstance(r["Timestamp"], datetime) for r in rows)


def test_older_tab_holds_weeks_1_to_4_typed_by_hand_and_the_form_the_rest(demo):
    old = older(demo)
    assert all(re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", r["Date"]) for r in old)
    assert all(START <= day_of(r["Date"]) < START + timedelta(weeks=4) for r in old)
    assert all(re.fullmatch(r"Tutor [A-Z][a-z]+", r["Tutor"]) for r in old)
    assert all(r["Minutes"] is None or isinstance(r["Minutes"], int) for r in old)
    recent = [day_of(r["Session Date"]) for r in form(demo)]
    assert min(recent) >= START + timedelta(weeks=4)
    assert max(recent) == TODAY + timedelta(days=3)  # only the planted future session is late


def test_gradebooks_list_each_teachers_students_in_roster_order_then_the_rest_of_the_class(
    demo,
):
    rows = roster(demo)
    for teacher, path in gradebooks(demo).items():
        _, points, dates, categories, *students = grid(path)
        in_program, classmates = students[:-CLASSMATES], students[-CLASSMATES:]
        typed_ids = [str(row[0]).zfill(5) for row in in_program]
        assert typed_ids == [r["Student ID"] for r in rows if r["Teacher Email"] == teacher]
        # The rest of the class: 6-digit IDs no roster student has, named like no one on it.
        assert all(re.fullmatch(r"\d{6}", str(row[0])) for row in classmates)
        assert not {row[1] for row in classmates} & {r["Student Name"] for r in rows}
        assert (points[0], dates[0], categories[0]) == ("Points", "Date", "Category")
        assert {str(p) for p in points[2:]} == {"10", "20", "50", "100"}
        assert {"Homework", "Quiz", "Test"} == set(categories[2:])
        assert all(day_of(d) <= TODAY for d in dates[2:])


# --- Flag patterns: every flag has students to raise it -----------------------------------------


def test_a_tenth_of_tutored_students_have_no_session_in_the_last_3_weeks(demo):
    latest: dict[str, date] = {}
    for student_id, day, _ in sessions(demo):
        if student_id:
            latest[student_id] = max(day, latest.get(student_id, day))
    quiet = [sid for sid in active_tutored_ids(demo) if latest[sid] <= TODAY - timedelta(days=21)]
    assert len(quiet) >= 6


def test_some_students_attended_under_70_percent_of_recent_sessions(demo):
    recent: dict[str, list[bool]] = {}
    for student_id, day, attended in sessions(demo):
        if student_id and TODAY - timedelta(days=28) < day <= TODAY:
            recent.setdefault(student_id, []).append(attended)
    low = [sid for sid, marks in recent.items() if sum(marks) / len(marks) < 0.7]
    assert len(low) >= 3


def test_a_few_sessions_in_the_last_2_weeks_ask_for_follow_up(demo):
    asks = [
        r
        for r in form(demo)
        if r["Follow-up needed?"] in ("Yes", "x")
        and TODAY - timedelta(days=14) < day_of(r["Session Date"]) <= TODAY
    ]
    assert 2 <= len(asks) <= 5


def percent(score: object, points: object) -> float | None:
    """A gradebook cell as a percentage; None for M, EX, N/A and blank."""
    text = str(score).strip() if score is not None else ""
    if text.endswith("%"):
        return float(text[:-1])
    if re.fullmatch(r"[\d.]+/[\d.]+", text):
        earned, out_of = text.split("/")
        return 100 * float(earned) / float(out_of)
    if re.fullmatch(r"[\d.]+", text):
        return 100 * float(text) / float(str(points))
    return None


def mean_percent(row: tuple, points: tuple, weeks: list, wanted: range) -> float:
    scores = [percent(v, points[c]) for c, v in enumerate(row) if weeks[c] in wanted]
    counted = [p for p in scores if p is not None]
    return sum(counted) / len(counted)


def test_gradebooks_hold_grade_drops_low_grades_and_missing_work(demo):
    drops, lows, missing = set(), set(), set()
    for path in gradebooks(demo).values():
        _, points, dates, _, *students = grid(path)
        weeks = [None, None, *((day_of(d) - START).days // 7 + 1 for d in dates[2:])]
        for row in students:
            student_id = str(row[0]).zfill(5)
            previous, last = range(3, 7), range(7, 11)  # the 4 weeks before the last 4
            if (
                mean_percent(row, points, weeks, previous) - mean_percent(row, points, weeks, last)
                >= 15
            ):
                drops.add(student_id)
            if mean_percent(row, points, weeks, range(1, 11)) < 70:
                lows.add(student_id)
            if [v for c, v in enumerate(row) if weeks[c] in last].count("M") >= 3:
                missing.add(student_id)
    assert len(drops) >= 5  # about 10% of 60
    assert len(lows) >= 3
    assert len(missing) >= 2


# --- Files tutorsync will touch ------------------------------------------------------------------


def test_gradebook_reopens_and_saves_with_openpyxl_keeping_its_grades(demo, tmp_path):
    """tutorsync adds its Tutoring progress tab to each gradebook .xlsx through openpyxl."""
    copy = tmp_path / "okafor.xlsx"
    shutil.copy(demo / "gradebooks/okafor.xlsx", copy)
    book = openpyxl.load_workbook(copy)
    book.create_sheet("Tutoring progress").append(["Student ID", "Sessions"])
    book.save(copy)
    assert openpyxl.load_workbook(copy).sheetnames == ["Grades", "Tutoring progress"]
    assert grid(copy) == grid(demo / "gradebooks/okafor.xlsx")


def test_readme_says_the_data_is_fictional_and_what_tutorsync_writes(demo):
    readme = (demo / "README.txt").read_text(encoding="utf-8")
    assert "fictional" in readme
    written = (
        "coordinator.xlsx",
        "Progress summary",
        "Data issues",
        "Run log",
        "Tutoring progress",
    )
    for name in ("roster.xlsx", "tutor_log.xlsx", *written, "progress/banda-progress.xlsx"):
        assert name in readme, name
