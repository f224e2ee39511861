"""What a new program's spreadsheets hold when `tutorsync init` makes them: tabs, headers,
example rows, instructions and data validation, declared once for every adapter. No I/O.

Every header is one the parsers recognise without a `columns` mapping; every list of values
is one the parsers accept; example rows start with "(example)" in their Student ID cell, so
the parsers skip them without a data issue (sheets_schema.table.is_example_row). Adapters turn
each rule into what their format can hold (a Google checkbox, an .xlsx Yes/No list, ...).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from sheets_schema.cells import ColumnFormat
from sheets_schema.goals import GoalStatus, Measure
from sheets_schema.issues import column_letter
from sheets_schema.outputs import STUDENT_LIST_HEADER
from sheets_schema.table import EXAMPLE_MARK
from sheets_schema.values import MAX_MINUTES

Cell = str | int | float | bool | date | None

PREPARED_ROWS = 1000  # rows given validation and formats: a new Google sheet's default size
PREPARED_COLUMNS = 26  # A..Z, likewise
INSTRUCTIONS_TAB = "Instructions"
STUDENT_LIST_TAB = "Student list"


def student_list_key(program_key: str) -> str:
    """The key of the owned tab listing the roster's students in the tutor log spreadsheet
    (the Student ID dropdown reads its column A; the progress job keeps it up to date)."""
    return f"tutorsync:{program_key}:student-list"


class SpreadsheetKind(StrEnum):
    """The spreadsheets a new program starts with. The value tags each one (Drive
    appProperties on Google) and names its file locally."""

    ROSTER = "roster"
    TUTOR_LOG = "tutor-log"
    GRADEBOOK = "gradebook"
    GOALS = "goals"
    COORDINATOR = "coordinator"


# --- Validation rules: what may be typed into a range -----------------------------------------


@dataclass(frozen=True)
class OneOf:
    """A dropdown of these values."""

    values: tuple[str, ...]


@dataclass(frozen=True)
class YesNo:
    """Yes or no: a checkbox on Google (TRUE/FALSE), a Yes/No dropdown in an .xlsx file."""


@dataclass(frozen=True)
class IsDate:
    """A calendar date."""


@dataclass(frozen=True)
class NumberBetween:
    """A number from `low` to `high`, both included."""

    low: float
    high: float

    def bounds(self) -> tuple[str, str]:
        """The bounds as a validation formula writes them: 20, not 20.0."""
        return _number_text(self.low), _number_text(self.high)


@dataclass(frozen=True)
class FromColumn:
    """One of the values in another tab's column, from `first_row` (0-based) down. Sheets and
    .xlsx validation only reach ranges of the same spreadsheet, so the tab lives there."""

    tab: str
    column: int
    first_row: int

    def a1(self, last_row: int | None = None) -> str:
        """The range as a formula names it: 'Tab'!$A$2:$A (to the column's end), or to
        `last_row` (1-based) where a format needs an end."""
        letter = column_letter(self.column)
        tab = "'" + self.tab.replace("'", "''") + "'"
        end = "" if last_row is None else f"${last_row}"
        return f"{tab}!${letter}${self.first_row + 1}:${letter}{end}"


Rule = OneOf | YesNo | IsDate | NumberBetween | FromColumn


@dataclass(frozen=True)
class CellRange:
    """A rectangle of cells, 0-based, ends excluded."""

    first_row: int
    first_column: int
    end_row: int
    end_column: int


@dataclass(frozen=True)
class Validation:
    """A rule on a range. `strict` refuses other values; otherwise they are kept with a
    warning mark (for values the parsers accept beyond the dropdown, or a list that is only
    refreshed on each run). `help` is shown to whoever types there."""

    cells: CellRange
    rule: Rule
    strict: bool
    help: str


# --- Tabs and spreadsheets --------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    what_to_type: str  # one plain sentence for the Instructions tab
    example: str = ""  # what a typed value looks like, for the Instructions tab
    format: ColumnFormat | None = None


@dataclass(frozen=True)
class DataTab:
    """The tab educators type into: header row, optional detail rows under it (a gradebook's
    Points, Date and Category rows), example rows, validation, frozen and protected cells."""

    title: str
    columns: tuple[Column, ...]
    detail_rows: tuple[tuple[Cell, ...], ...]
    example_rows: tuple[tuple[Cell, ...], ...]
    validations: tuple[Validation, ...]
    frozen_rows: int
    frozen_columns: int
    protected: CellRange  # headers tutorsync reads: editing them warns first (Google)
    protected_why: str  # the warning's description
    header_note: str  # for the Instructions tab

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(column.header for column in self.columns)

    @property
    def first_example_row(self) -> int:
        return 1 + len(self.detail_rows)

    def grid(self) -> list[list[Cell]]:
        """The tab's cells from A1: header, detail rows, example rows."""
        return [list(self.header), *map(list, self.detail_rows), *map(list, self.example_rows)]


@dataclass(frozen=True)
class TextTab:
    """A tab of plain-language text: a title line, paragraphs, and a table of columns."""

    title: str
    rows: tuple[tuple[str, ...], ...]

    def text(self) -> str:
        return "\n".join(" ".join(row) for row in self.rows)


@dataclass(frozen=True)
class OwnedTabLayout:
    """A tab tutorsync writes, created empty (header only) with the spreadsheet."""

    key: str
    title: str
    header: tuple[str, ...]


@dataclass(frozen=True)
class SpreadsheetLayout:
    kind: SpreadsheetKind
    name: str  # "Roster": in the spreadsheet's title on Google
    data: DataTab | None  # None: the coordinator's spreadsheet, which tutorsync fills
    instructions: TextTab
    owned: tuple[OwnedTabLayout, ...] = ()

    @property
    def tab_titles(self) -> tuple[str, ...]:
        data = (self.data.title,) if self.data else ()
        return (*data, self.instructions.title, *(tab.title for tab in self.owned))


@dataclass(frozen=True)
class ProgramLayouts:
    """Everything `tutorsync init` makes for one program."""

    roster: SpreadsheetLayout
    tutor_log: SpreadsheetLayout
    gradebook: SpreadsheetLayout
    goals: SpreadsheetLayout
    coordinator: SpreadsheetLayout

    def all(self) -> tuple[SpreadsheetLayout, ...]:
        return (self.roster, self.tutor_log, self.gradebook, self.goals, self.coordinator)


# --- The program's layouts ------------------------------------------------------------------

ROSTER_TAB = "Roster"
SESSIONS_TAB = "Sessions"
GRADES_TAB = "Grades"
GOALS_TAB = "Goals"
COORDINATOR_TAB = "About"
ATTENDANCE_VALUES = ("Present", "Absent", "Excused", "No-show", "Cancelled")
_EXAMPLE_ASSIGNMENTS = (  # name, points, category
    ("Quiz 1", 20, "Quiz"),
    ("Homework 1", 10, "Homework"),
    ("Test 1", 50, "Test"),
)


def program_layouts(
    *, program_name: str, program_key: str, domain: str, teacher: str, today: date
) -> ProgramLayouts:
    """The five spreadsheets of a new program. `domain` gives the example e-mail addresses,
    `teacher` is the gradebook's teacher, `today` dates the example sessions."""
    people = _ExamplePeople(domain=domain, teacher=teacher)
    return ProgramLayouts(
        roster=_roster(program_name, people),
        tutor_log=_tutor_log(program_name, program_key, people, today),
        gradebook=_gradebook(program_name, people),
        goals=_goals(program_name, people, today),
        coordinator=_coordinator(program_name),
    )


@dataclass(frozen=True)
class _ExamplePeople:
    domain: str
    teacher: str

    @property
    def tutor(self) -> str:
        return f"tutor.example@{self.domain}"

    @property
    def students(self) -> tuple[tuple[str, str], ...]:
        """(Student ID cell, name) of the example students."""
        return (
            (f"{EXAMPLE_MARK} 00001", f"{EXAMPLE_MARK} Sam Rivera"),
            (f"{EXAMPLE_MARK} 00002", f"{EXAMPLE_MARK} Ada Okoro"),
        )


def _roster(program_name: str, people: _ExamplePeople) -> SpreadsheetLayout:
    columns = (
        Column(
            "Student ID",
            "the ID from your student information system; it joins every sheet",
            "00123",
            ColumnFormat.TEXT,
        ),
        Column("Student name", "the student's name, as 'Last, First' or 'First Last'", "Lee, Sam"),
        Column("Grade level", "the student's grade", "6"),
        Column(
            "Teacher e-mail",
            "the school e-mail of the student's teacher; separate two with ;",
            f"teacher@{people.domain}",
        ),
        Column(
            "Tutor e-mail",
            "the school e-mail of the student's tutor; separate two with ;",
            f"tutor@{people.domain}",
        ),
        Column(
            "Active",
            "Yes (a ticked box on Google Sheets) while the student is in the program; No when "
            "they leave, and keep the row. Left blank, the student counts as active",
            "Yes",
        ),
    )
    (first_id, first_name), (second_id, second_name) = people.students
    examples: tuple[tuple[Cell, ...], ...] = (
        (first_id, first_name, 6, people.teacher, people.tutor, True),
        (second_id, second_name, 7, people.teacher, people.tutor, False),
    )
    validations = (
        Validation(
            _column(columns, "Active"),
            YesNo(),
            strict=True,
            help="Yes while the student is in the program; No when they leave.",
        ),
    )
    data = _header_row_tab(ROSTER_TAB, columns, examples, validations, "the roster's")
    intro = (
        f"{ROSTER_TAB}: one row per student and teacher. A student with two teachers has two "
        "rows with the same Student ID. The Student ID joins the roster, the tutor log and "
        "the gradebooks: type it the same way everywhere.",
    )
    return SpreadsheetLayout(
        SpreadsheetKind.ROSTER,
        "Roster",
        data,
        _instructions(program_name, "Roster", data, intro, owned=()),
    )


def _tutor_log(
    program_name: str, program_key: str, people: _ExamplePeople, today: date
) -> SpreadsheetLayout:
    columns = _tutor_log_columns(people)
    examples = _example_sessions(people, today)
    validations = _tutor_log_validations(columns)
    data = _header_row_tab(SESSIONS_TAB, columns, examples, validations, "the tutor log's")
    owned = (OwnedTabLayout(student_list_key(program_key), STUDENT_LIST_TAB, STUDENT_LIST_HEADER),)
    intro = (
        f"{SESSIONS_TAB}: one row per tutoring session, newest at the bottom. Log every "
        "session, including the ones that did not happen (Absent, No-show, Cancelled): "
        "attendance is worked out from them.",
    )
    return SpreadsheetLayout(
        SpreadsheetKind.TUTOR_LOG,
        "Tutor log",
        data,
        _instructions(program_name, "Tutor log", data, intro, owned=owned),
        owned,
    )


def _tutor_log_columns(people: _ExamplePeople) -> tuple[Column, ...]:
    return (
        Column("Date", "the day of the session", "2026-01-05 or 1/5/2026", ColumnFormat.DATE),
        Column("Tutor e-mail", "your school e-mail", f"tutor@{people.domain}"),
        Column(
            "Student ID",
            f"the student's ID, picked from the list (the '{STUDENT_LIST_TAB}' tab, which "
            "tutorsync refreshes from the roster on every run)",
            "00123",
            ColumnFormat.TEXT,
        ),
        Column("Student name", "the student's name (used only if there is no ID)", "Sam Lee"),
        Column("Minutes", "how long the session lasted, in minutes (1 to 600)", "45"),
        Column(
            "Attendance",
            "Present, Absent, Excused, No-show or Cancelled (cancelled sessions do not count)",
            "Present",
        ),
        Column("Session notes", "what you worked on", "Fractions: unlike denominators"),
        Column("Next steps", "what to work on next time", "Practise on number lines"),
        Column(
            "Follow-up needed",
            "Yes (a ticked box on Google Sheets) when the teacher or coordinator should follow up",
            "Yes",
        ),
    )


def _example_sessions(people: _ExamplePeople, today: date) -> tuple[tuple[Cell, ...], ...]:
    (first_id, first_name), (second_id, second_name) = people.students
    return (
        (
            today - timedelta(days=2),
            people.tutor,
            first_id,
            first_name,
            45,
            "Present",
            "Fractions: adding with unlike denominators",
            "Subtracting with unlike denominators",
            False,
        ),
        (
            today - timedelta(days=1),
            people.tutor,
            second_id,
            second_name,
            30,
            "No-show",
            "Waited 30 minutes; will call home",
            None,
            True,
        ),
    )


def _tutor_log_validations(columns: tuple[Column, ...]) -> tuple[Validation, ...]:
    return (
        Validation(
            _column(columns, "Date"),
            IsDate(),
            strict=True,
            help="The day of the session, e.g. 2026-01-05.",
        ),
        Validation(
            _column(columns, "Student ID"),
            FromColumn(STUDENT_LIST_TAB, 0, 1),
            strict=False,
            help=(
                "Pick the student's ID. A student added to the roster today appears in the "
                "list after the next tutorsync run."
            ),
        ),
        Validation(
            _column(columns, "Minutes"),
            NumberBetween(1, MAX_MINUTES),
            strict=True,
            help="Minutes, from 1 to 600, e.g. 45.",
        ),
        Validation(
            _column(columns, "Attendance"),
            OneOf(ATTENDANCE_VALUES),
            strict=True,
            help="Present, Absent, Excused, No-show or Cancelled.",
        ),
        Validation(
            _column(columns, "Follow-up needed"),
            YesNo(),
            strict=True,
            help="Yes when someone should follow up.",
        ),
    )


def _gradebook(program_name: str, people: _ExamplePeople) -> SpreadsheetLayout:
    assignment_columns = tuple(
        Column(name, f"an example assignment ({category.lower()}, {points} points)", "17")
        for name, points, category in _EXAMPLE_ASSIGNMENTS
    )
    columns = (
        Column(
            "Student ID",
            "the student's ID from the roster; in rows 2 to 4, the labels Points, Date and "
            "Category",
            "00123",
            ColumnFormat.TEXT,
        ),
        Column("Student name", "the student's name", "Sam Lee"),
        *assignment_columns,
    )
    detail_rows: tuple[tuple[Cell, ...], ...] = (
        ("Points", None, *(points for _, points, _ in _EXAMPLE_ASSIGNMENTS)),
        ("Date",),
        ("Category", None, *(category for _, _, category in _EXAMPLE_ASSIGNMENTS)),
    )
    (first_id, first_name), (second_id, second_name) = people.students
    examples: tuple[tuple[Cell, ...], ...] = (
        (first_id, first_name, 17, 9, "M"),
        (second_id, second_name, "85%", "EX", "41/50"),
    )
    first_assignment, points_row, date_row = 2, 1, 2  # assignments in columns C..Z
    validations = (
        Validation(
            CellRange(points_row, first_assignment, points_row + 1, PREPARED_COLUMNS),
            NumberBetween(0.5, 1000),
            strict=True,
            help="The most points a student can score on this assignment, e.g. 20.",
        ),
        Validation(
            CellRange(date_row, first_assignment, date_row + 1, PREPARED_COLUMNS),
            IsDate(),
            strict=True,
            help="The day the assignment is due, e.g. 2026-01-05.",
        ),
    )
    data = DataTab(
        title=GRADES_TAB,
        columns=columns,
        detail_rows=detail_rows,
        example_rows=examples,
        validations=validations,
        frozen_rows=1 + len(detail_rows),
        frozen_columns=2,
        protected=CellRange(0, 0, 1, 2),  # the two identity headers; assignments are renamed
        protected_why="tutorsync finds the students by these headers",
        header_note=(
            "Keep the headers Student ID and Student name, and the labels Points, Date and "
            "Category in column A, as they are: tutorsync finds the students and the "
            "assignments' details by them (Google Sheets asks before anyone edits the two "
            "headers). Rename the assignments freely."
        ),
    )
    intro = (
        f"{GRADES_TAB}: students in rows, one assignment per column. Rename the example "
        "assignments and add a column for each new one (up to column Z is prepared). Row 2 "
        "(Points) holds each assignment's points possible, row 3 (Date) its due date, row 4 "
        "(Category) its category, e.g. Homework, Quiz or Test.",
        "Scores: points (17), a percentage (85%), a fraction (17/20), EX for excused (not "
        "counted), M for missing (counts as 0). A blank cell is not graded yet.",
        "Columns headed Total, Average, Grade, Final, Letter or Comments are yours: tutorsync "
        "does not read them as assignments.",
        "For another teacher, make a copy of this spreadsheet and add it to tutorsync.toml "
        "([[sources.gradebooks]], with the teacher's e-mail).",
        "tutorsync adds a Tutoring progress tab here, with your students' tutoring figures, and "
        "rewrites it on every run: type only in its Note to tutor column, which it keeps.",
    )
    return SpreadsheetLayout(
        SpreadsheetKind.GRADEBOOK,
        "Gradebook",
        data,
        _instructions(program_name, "Gradebook", data, intro, owned=()),
    )


def _goals(program_name: str, people: _ExamplePeople, today: date) -> SpreadsheetLayout:
    measures = tuple(measure.value for measure in Measure)
    statuses = tuple(status.value for status in GoalStatus)
    columns = (
        Column("Student ID", "the student's ID from the roster", "00123", ColumnFormat.TEXT),
        Column("Student name", "the student's name (used only if there is no ID)", "Sam Lee"),
        Column("Goal", "the goal in plain words, as the student would say it", "Pass algebra"),
        Column("Measured by", ", ".join(measures), Measure.GRADE.value),
        Column(
            "Class or test",
            "for a grade, the teacher's e-mail (or name); for an assessment, the test's name",
            people.teacher,
        ),
        Column("Target", "a grade % (75%), sessions a week (3) or a score (220)", "75%"),
        Column("By", "the day the goal should be met", "2027-01-29", ColumnFormat.DATE),
        Column("Owner", "the e-mail of who set the goal", people.teacher),
        Column("Status", ", ".join(statuses), GoalStatus.OPEN.value),
    )
    (first_id, first_name), (second_id, second_name) = people.students
    by = today + timedelta(weeks=8)
    examples: tuple[tuple[Cell, ...], ...] = (
        (first_id, first_name, "Raise the math grade", Measure.GRADE.value, people.teacher,
         "75%", by, people.teacher, GoalStatus.OPEN.value),
        (second_id, second_name, "Come to tutoring three times a week",
         Measure.SESSIONS.value, None, 3, by, people.tutor, GoalStatus.OPEN.value),
    )  # fmt: skip
    validations = (
        Validation(
            _column(columns, "Measured by"),
            OneOf(measures),
            strict=True,
            help=f"How the goal is measured: {', '.join(measures)}.",
        ),
        Validation(_column(columns, "By"), IsDate(), strict=True, help="The day, e.g. 2027-01-29."),
        Validation(
            _column(columns, "Status"),
            OneOf(statuses),
            strict=True,
            help="Open while working on it; Met when reached; Dropped to stop following it.",
        ),
    )
    data = _header_row_tab(GOALS_TAB, columns, examples, validations, "the goals'")
    intro = (
        f"{GOALS_TAB}: one row per goal; a student may have several. Tutors, teachers and the "
        "coordinator all type here. tutorsync shows each open goal and its progress on the "
        "progress tabs, and lists the goals a tutor and teacher share in their check-ins.",
        "A grade, sessions-a-week or assessment goal is measured from the gradebooks, the "
        "tutor log or the test results; one judged by the teacher is Met when its owner "
        "types Met.",
    )
    return SpreadsheetLayout(
        SpreadsheetKind.GOALS,
        "Goals",
        data,
        _instructions(program_name, "Goals", data, intro, owned=()),
    )


def _coordinator(program_name: str) -> SpreadsheetLayout:
    rows = (
        (f"{program_name}: coordinator",),
        ("",),
        (
            "tutorsync writes its tabs into this spreadsheet on every run: Progress summary "
            "(every active student, their status and flags), Data issues (every value it "
            "could not use, with where and how to fix it), Weekly history (a row per student "
            "per week) and Run log.",
        ),
        (
            "Type your notes in the Coordinator notes column of Progress summary: tutorsync "
            "keeps them, row by row, whatever order you sort the rows in. Everything else in "
            "those tabs is rewritten on each run.",
        ),
        ("Add tabs of your own freely: tutorsync never changes a tab it did not create.",),
    )
    return SpreadsheetLayout(
        SpreadsheetKind.COORDINATOR, "Coordinator", None, TextTab(COORDINATOR_TAB, rows)
    )


def _instructions(
    program_name: str,
    name: str,
    data: DataTab,
    intro: tuple[str, ...],
    owned: tuple[OwnedTabLayout, ...],
) -> TextTab:
    example_note = (
        f"Rows whose Student ID starts with {EXAMPLE_MARK} are examples: tutorsync ignores "
        "them. Type over them, delete them or leave them."
    )
    checks_note = (
        "The cells check what you type and, where there is a list, offer it: click the "
        "cell's arrow (or tick its box on Google Sheets)."
    )
    owned_note = (
        (
            "Tabs tutorsync writes, such as "
            + ", ".join(f"'{tab.title}'" for tab in owned)
            + ", are rewritten on every run: type there only in a notes column, which "
            "tutorsync keeps.",
        )
        if owned
        else ()
    )
    never_written = (
        f"tutorsync only reads the '{data.title}' tab; it never changes what you type there."
    )
    rows: list[tuple[str, ...]] = [
        (f"{program_name}: {name.lower()}, how to fill it in",),
        ("",),
        *((paragraph,) for paragraph in intro),
        (example_note,),
        (data.header_note,),
        (checks_note,),
        (never_written,),
        *((note,) for note in owned_note),
        ("",),
        ("Column", "What to type", "For example"),
        *((column.header, column.what_to_type, column.example) for column in data.columns),
    ]
    return TextTab(INSTRUCTIONS_TAB, tuple(rows))


def _header_row_tab(
    title: str,
    columns: tuple[Column, ...],
    examples: tuple[tuple[Cell, ...], ...],
    validations: tuple[Validation, ...],
    whose: str,
) -> DataTab:
    """A data tab with one header row, frozen and protected, then the example rows."""
    return DataTab(
        title=title,
        columns=columns,
        detail_rows=(),
        example_rows=examples,
        validations=validations,
        frozen_rows=1,
        frozen_columns=0,
        protected=CellRange(0, 0, 1, len(columns)),
        protected_why=f"tutorsync finds {whose} columns by these headers",
        header_note=_KEEP_HEADERS,
    )


_KEEP_HEADERS = (
    "Row 1 holds the headers tutorsync reads: keep them as they are (Google Sheets asks "
    "before anyone edits them). Add columns of your own to the right if you like; tutorsync "
    "ignores them."
)


def _column(columns: tuple[Column, ...], header: str) -> CellRange:
    """The cells under a one-row header in the column headed `header`."""
    index = [column.header for column in columns].index(header)
    return CellRange(1, index, PREPARED_ROWS, index + 1)


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
