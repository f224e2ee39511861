"""Load and validate a program's TOML config into typed settings, before anything runs.

Every error names the key, the value and what was expected. Paths and spreadsheet references
stay as typed; the workspace resolves them.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date as date_type
from datetime import time as time_type
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from jobs.errors import ConfigError
from sheets_schema.outputs import DEFAULT_DOSAGE
from sheets_schema.values import parse_email


def is_email(text: str) -> bool:
    """An e-mail address as the sources read one (sheets_schema.values.parse_email)."""
    parsed = parse_email(text)
    return isinstance(parsed, str) and parsed == text.strip().lower()


PROGRAM_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Program(_Strict):
    name: str = Field(min_length=1)
    key: str = ""  # stable identity of the program; defaults to a slug of the name
    timezone: str = "UTC"
    day_first: bool = False  # read 5/1/2026 as 5 January, not May 1

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        # A folder of zones ("America") or an overlong name makes the lookup raise OSError.
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(
                f"'{value}' is not an IANA time zone; use a name like 'America/Chicago'"
            ) from None
        return value

    @model_validator(mode="after")
    def _default_key(self) -> Program:
        if not self.key:
            object.__setattr__(
                self, "key", re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")[:40]
            )
        # The key tags every tab, event and folder tutorsync keeps (Drive allows 124 bytes
        # per tag), so it is short and plain.
        if not PROGRAM_KEY.fullmatch(self.key):
            raise ValueError(
                f"key {self.key!r} must be 1-40 letters, digits, '.', '_' or '-' (it tags "
                "everything tutorsync keeps); set program.key"
            )
        return self


class GoogleQuotas(_Strict):
    """Requests per minute tutorsync allows itself, per API (Google's per-user defaults)."""

    # Finite: the pacing needs a number of requests (inf would stop the run, not unpace it).
    sheets_read: float = Field(default=60, gt=0, allow_inf_nan=False)
    sheets_write: float = Field(default=60, gt=0, allow_inf_nan=False)
    calendar: float = Field(default=600, gt=0, allow_inf_nan=False)
    drive: float = Field(default=600, gt=0, allow_inf_nan=False)


class GoogleSettings(_Strict):
    """How to reach Google Workspace. See the README's "Connect to Google"."""

    auth: Literal["service_account", "delegated", "adc", "oauth"] = "service_account"
    key_file: str = ""  # service account key (service_account, delegated)
    subject: str = ""  # delegated: the user to act as
    allowed_subjects: list[str] = []  # delegated: who tutorsync may ever act as
    client_secrets_file: str = ""  # oauth: the OAuth client (installed app) JSON
    token_file: str = "~/.config/tutorsync/token.json"  # oauth: where `auth login` keeps it
    endpoint: str = ""  # an emulator's base URL instead of Google's (tests, local emulators)
    timeout_seconds: float = Field(default=60, gt=0, le=600)
    quotas: GoogleQuotas = GoogleQuotas()

    @model_validator(mode="after")
    def _mode_has_what_it_needs(self) -> GoogleSettings:
        if self.auth in ("service_account", "delegated") and not self.key_file:
            raise ValueError(f"auth = '{self.auth}' needs key_file, the service account key")
        if self.auth == "delegated":
            allowed = [a.lower() for a in self.allowed_subjects]
            if not self.subject:
                raise ValueError("auth = 'delegated' needs subject, the user to act as")
            if self.subject.lower() not in allowed:
                raise ValueError(
                    f"subject '{self.subject}' is not in allowed_subjects; list every user "
                    "tutorsync may act as (delegation lets a key act as anyone in the domain)"
                )
        if self.auth == "oauth" and not self.client_secrets_file:
            raise ValueError("auth = 'oauth' needs client_secrets_file, the OAuth client JSON")
        return self


class WorkspaceSettings(_Strict):
    kind: Literal["local", "google"] = "local"
    path: str = "."  # local: the folder, relative to the config file's folder
    google: GoogleSettings | None = None

    @model_validator(mode="after")
    def _google_needs_its_section(self) -> WorkspaceSettings:
        if self.kind == "google" and self.google is None:
            raise ValueError("kind = 'google' needs a [workspace.google] section (auth = ...)")
        return self


ColumnMap = dict[str, str]  # field name -> the header an educator uses for it


class RosterSource(_Strict):
    spreadsheet: str
    tab: str
    columns: ColumnMap = {}


class TutorLogSource(_Strict):
    spreadsheet: str
    tabs: list[str] = Field(min_length=1)
    columns: ColumnMap = {}


class GradebookSource(_Strict):
    spreadsheet: str
    tab: str
    teacher: str  # the teacher's e-mail
    columns: ColumnMap = {}

    @field_validator("teacher")
    @classmethod
    def _teacher_email(cls, value: str) -> str:
        if not is_email(value):
            raise ValueError(f"'{value}' is not an e-mail address")
        return value.strip().lower()


class StaffSource(_Strict):
    """The optional staff list: names for the teachers', tutors' and coordinators' e-mail
    addresses. Its spreadsheet defaults to the roster's."""

    spreadsheet: str = ""
    tab: str = "Staff"
    columns: ColumnMap = {}


class AssessmentSource(_Strict):
    """Benchmark assessment results (MAP, i-Ready, STAR, a district test): one row per
    student per test taken."""

    spreadsheet: str
    tab: str
    columns: ColumnMap = {}


class GoalsSource(_Strict):
    """The optional Goals tab tutors, teachers and the coordinator type each student's goals
    into (README: Goals). Its spreadsheet defaults to the roster's."""

    spreadsheet: str = ""
    tab: str = "Goals"
    columns: ColumnMap = {}


class Sources(_Strict):
    roster: RosterSource
    tutor_logs: list[TutorLogSource] = Field(min_length=1)
    gradebooks: list[GradebookSource] = []
    staff: StaffSource | None = None
    assessments: list[AssessmentSource] = []
    goals: GoalsSource | None = None

    @model_validator(mode="after")
    def _staff_beside_the_roster(self) -> Sources:
        for beside in (self.staff, self.goals):
            if beside is not None and not beside.spreadsheet:
                object.__setattr__(beside, "spreadsheet", self.roster.spreadsheet)
        return self


class Grades(_Strict):
    missing_counts_as_zero: bool = True
    # category -> weight; when given, the grade is the weighted mean over categories present
    # (finite: one inf weight would make every grade NaN, so blank)
    category_weights: dict[str, Annotated[float, Field(gt=0, allow_inf_nan=False)]] = {}


class Thresholds(_Strict):
    window_days: int = Field(default=28, ge=1, le=366)
    no_session_days: int = Field(default=14, ge=1)
    min_attendance: float = Field(default=0.7, ge=0, le=1)
    grade_floor: float = Field(default=70, ge=0, le=100)
    grade_drop_points: float = Field(default=10, gt=0, le=100)
    missing_threshold: int = Field(default=3, ge=1)


class Targets(_Strict):
    """What counts as enough tutoring, and as a win (README: The figures)."""

    sessions_per_week: float = Field(default=DEFAULT_DOSAGE.sessions_per_week, ge=0, le=21)
    minutes_per_week: float = Field(default=DEFAULT_DOSAGE.minutes_per_week, ge=0, le=2000)
    grade_gain_points: float = Field(default=5, gt=0, le=100)  # a grade up this much is a win


class GoalSettings(_Strict):
    """Goals and learning plans on the progress tabs (README: Goals)."""

    # Whose learning plan must be kept up to date: nobody's ("none"), every student's ("all"),
    # or the students with an open goal on the Goals tab ("with_goals").
    plan_required: Literal["none", "all", "with_goals"] = "none"
    # A required plan nobody changed for this many weeks is a reason in Why.
    plan_stale_weeks: int = Field(default=4, ge=1, le=52)


class Impact(_Strict):
    """The impact view: tutoring against grade change over a term (README: Impact)."""

    term_start: date_type | None = None  # default: the earliest attended session
    # A group with fewer students with a grade change shows no figures, so no one is recognised.
    min_cell_size: int = Field(default=10, ge=5)


def _not_reserved(title: str) -> str:
    if title.strip().casefold() == "history":
        raise ValueError("Excel keeps the tab name 'History' for itself; choose another title")
    return title


TabTitle = Annotated[
    str,
    Field(min_length=1, max_length=31, pattern=r"^[^\[\]:*?/\\]+$"),
    AfterValidator(_not_reserved),
]


def _holds_tabs(target: str) -> str:
    if target.lower().endswith(".csv"):
        raise ValueError(
            f"'{target}' is a .csv file, which holds one tab; tutorsync writes its tabs into an "
            ".xlsx spreadsheet"
        )
    return target


# A spreadsheet tutorsync writes tabs into; checked per key, so the error names the key.
WrittenSpreadsheet = Annotated[str, AfterValidator(_holds_tabs)]


class Outputs(_Strict):
    coordinator_spreadsheet: WrittenSpreadsheet
    summary_tab: TabTitle = "Progress summary"
    issues_tab: TabTitle = "Data issues"
    run_log_tab: TabTitle = "Run log"
    history_tab: TabTitle = "Weekly history"  # a row per student per week
    overview_tab: TabTitle = "Program overview"  # week by week, now, per person, wins
    impact_tab: TabTitle = "Impact"  # grade change by dosage band; a comparison, not a cause
    teacher_tab: TabTitle = "Tutoring progress"
    feedback_tab: TabTitle = "Teacher feedback"  # teachers' notes, for tutors
    student_list_tab: TabTitle = "Student list"  # what a tutor log's Student ID is checked against
    # Where the Teacher feedback tab goes; default: the first tutor log that is not a .csv
    feedback_spreadsheet: WrittenSpreadsheet = ""
    # teacher e-mail -> spreadsheet for that teacher's tab, instead of their gradebook
    teacher_spreadsheets: dict[str, WrittenSpreadsheet] = {}

    @field_validator("teacher_spreadsheets")
    @classmethod
    def _lowercase_teachers(cls, value: dict[str, str]) -> dict[str, str]:
        return {teacher.strip().lower(): target for teacher, target in value.items()}


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
FLAG_CODES = (
    "no_recent_session",
    "low_attendance",
    "low_grade",
    "grade_drop",
    "missing_work",
    "follow_up",
    "low_dosage",
    "goal_off_pace",
    "goal_past_date",
    "plan_stale",
)


def _emails(value: list[str]) -> list[str]:
    """E-mail addresses, trimmed and lowercased; ValueError naming the first that is not one."""
    for email in value:
        if not is_email(email):
            raise ValueError(f"'{email}' is not an e-mail address")
    return [email.strip().lower() for email in value]


class Closure(_Strict):
    start: date_type
    end: date_type  # inclusive


class CheckinSettings(_Strict):
    """Tutor-teacher check-ins. See the README's "Check-ins"."""

    calendar: str  # Google: the program calendar's ID; local: an .ics file in the workspace
    cadence: Literal["weekly", "every_2_weeks", "monthly"] = "every_2_weeks"
    weekday: Literal[WEEKDAYS] = "tuesday"  # type: ignore[valid-type]
    window_start: time_type = time_type(15, 30)
    window_end: time_type = time_type(17, 0)
    duration_minutes: int = Field(default=30, ge=10, le=240)
    start_date: date_type
    term_end: date_type
    closures: list[date_type | str] = []  # "2026-11-26" or "2026-12-21..2027-01-01"
    on_flags: list[str] = []  # flags that call for a follow-up within `within_school_days`
    within_school_days: int = Field(default=3, ge=1, le=15)
    coordinators: list[str] = []  # invited to every check-in
    invite_on_create: bool = True  # e-mail invitations when a series or follow-up is created
    notify_on_update: bool = False  # no e-mail for routine updates (attendees, description)

    @field_validator("on_flags")
    @classmethod
    def _known_flags(cls, value: list[str]) -> list[str]:
        unknown = [flag for flag in value if flag not in FLAG_CODES]
        if unknown:
            raise ValueError(f"{unknown} are not flags; use some of {list(FLAG_CODES)}")
        return value

    @field_validator("coordinators")
    @classmethod
    def _coordinator_emails(cls, value: list[str]) -> list[str]:
        # Checked here, not by Calendar halfway through a run: an invalid guest fails the call.
        return _emails(value)

    @field_validator("closures")
    @classmethod
    def _closures_parse(cls, value: list[date_type | str]) -> list[date_type | str]:
        for item in value:
            if isinstance(item, str):
                parts = item.split("..")
                try:
                    [date_type.fromisoformat(part.strip()) for part in parts]
                except ValueError:
                    raise ValueError(
                        f"'{item}' is not a date (2026-11-26) or a range (2026-12-21..2027-01-01)"
                    ) from None
                if len(parts) > 2:
                    raise ValueError(f"'{item}' has more than one '..'")
        return value

    @model_validator(mode="after")
    def _sane_window(self) -> CheckinSettings:
        if self.window_end <= self.window_start:
            raise ValueError("window_end must be after window_start")
        minutes = (self.window_end.hour * 60 + self.window_end.minute) - (
            self.window_start.hour * 60 + self.window_start.minute
        )
        if minutes < self.duration_minutes:
            raise ValueError("the window is shorter than duration_minutes")
        if self.term_end < self.start_date:
            raise ValueError("term_end is before start_date")
        return self

    def closed_days(self) -> frozenset[date_type]:
        """Every no-school day the closures name."""
        days: set[date_type] = set()
        for item in self.closures:
            if isinstance(item, date_type):
                days.add(item)
                continue
            first, _, last = item.partition("..")
            start = date_type.fromisoformat(first.strip())
            end = date_type.fromisoformat(last.strip()) if last else start
            while start <= end:
                days.add(start)
                start = date_type.fromordinal(start.toordinal() + 1)
        return frozenset(days)


FOLDER_NAME_FIELDS = ("last", "first", "name", "id")
DOMAIN = re.compile(r"^(?=.{3,253}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$")


class TemplateSettings(_Strict):
    """A document copied once into every new student folder."""

    file: str = Field(min_length=1)  # Google: the file's ID or URL; local: a path in the workspace
    name: str = Field(min_length=1)  # the copy is named "<name> - <Last, First>"
    # The student's learning plan: its copy is linked from the progress tabs, with the date
    # anyone last changed it (Drive's metadata; tutorsync never reads its contents).
    learning_plan: bool = False


class FolderSettings(_Strict):
    """A Drive folder per student. See the README's "Student folders"."""

    root: str = Field(min_length=1)  # Google: a folder ID or URL; local: a folder in the workspace
    term: str = Field(min_length=1, max_length=100)  # e.g. "2026-27": <root>/<term>/<student>
    name: str = "{last}, {first} ({id})"  # a new student folder's name
    archive: str = Field(default="Archived", min_length=1)  # <root>/<term>/<archive>
    role: Literal["writer", "commenter", "reader"] = "writer"  # for tutors and teachers
    allowed_domains: list[str] = Field(min_length=1)  # nobody outside these is ever granted
    coordinators: list[str] = []  # granted the same role on every student folder
    notify: bool = False  # let Drive e-mail people when a folder is shared with them
    revoke_on_leave: bool = True  # a student who leaves: revoke tutorsync's grants
    templates: list[TemplateSettings] = []
    # One folder in the root shared with every tutor, teacher and coordinator; "": none.
    resources: str = Field(default="Program resources", max_length=200)

    @field_validator("allowed_domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        domains = [domain.strip().lower().removeprefix("@") for domain in value]
        for domain in domains:
            if not DOMAIN.match(domain):
                raise ValueError(f"'{domain}' is not a domain; write it like 'school.org'")
        return domains

    @field_validator("coordinators")
    @classmethod
    def _coordinator_emails(cls, value: list[str]) -> list[str]:
        return _emails(value)

    @field_validator("name")
    @classmethod
    def _name_pattern(cls, value: str) -> str:
        fields = set(re.findall(r"{([^{}]*)}", value))
        unknown = fields - set(FOLDER_NAME_FIELDS)
        if unknown:
            raise ValueError(
                f"{sorted(unknown)} cannot be used in a folder name; use {{last}}, {{first}}, "
                "{name} or {id}"
            )
        if "id" not in fields:
            raise ValueError("a folder name needs {id}, so two students never share a name")
        return value

    @field_validator("term", "archive", "resources")
    @classmethod
    def _one_folder_name(cls, value: str) -> str:
        if "/" in value or "\\" in value or value.strip() in (".", ".."):
            raise ValueError(f"'{value}' must be one folder name, without / or \\")
        return value.strip()

    @model_validator(mode="after")
    def _coordinators_inside(self) -> FolderSettings:
        outside = [email for email in self.coordinators if not self.allows(email)]
        if outside:
            raise ValueError(
                f"coordinators {outside} are outside allowed_domains {self.allowed_domains}; "
                "tutorsync never shares a student's folder outside them"
            )
        return self

    @model_validator(mode="after")
    def _one_learning_plan(self) -> FolderSettings:
        marked = [template.name for template in self.templates if template.learning_plan]
        if len(marked) > 1:
            raise ValueError(
                f"templates {marked} are all marked learning_plan = true; mark only the one "
                "that is the student's learning plan"
            )
        return self

    @property
    def learning_plan(self) -> TemplateSettings | None:
        """The template marked as the learning plan; None when none is (never guessed)."""
        return next((t for t in self.templates if t.learning_plan), None)

    def allows(self, email: str) -> bool:
        """Whether tutorsync may share with this address: its domain is allowed exactly."""
        return email.rpartition("@")[2].strip().lower() in self.allowed_domains


class Settings(_Strict):
    program: Program
    workspace: WorkspaceSettings = WorkspaceSettings()
    sources: Sources
    grades: Grades = Grades()
    thresholds: Thresholds = Thresholds()
    targets: Targets = Targets()
    impact: Impact = Impact()
    goals: GoalSettings = GoalSettings()
    outputs: Outputs
    checkins: CheckinSettings | None = None
    folders: FolderSettings | None = None
    config_dir: Path = Path(".")  # set by load(); not read from the file

    @model_validator(mode="after")
    def _teacher_tabs_have_a_home(self) -> Settings:
        for gradebook in self.sources.gradebooks:
            if (
                gradebook.spreadsheet.lower().endswith(".csv")
                and gradebook.teacher not in self.outputs.teacher_spreadsheets
            ):
                raise ValueError(
                    f"gradebook '{gradebook.spreadsheet}' is a .csv file, which holds one tab; "
                    f'add outputs.teacher_spreadsheets."{gradebook.teacher}" = "<name>.xlsx" '
                    "for this teacher's progress tab"
                )
        return self

    @property
    def workspace_root(self) -> Path:
        return (self.config_dir / self.workspace.path).resolve()

    def config_path(self, value: str) -> Path:
        """A path from the config: ~ expanded, relative to the config file's folder."""
        return config_relative(self.config_dir, value)


class InitTarget(_Strict):
    """Where `tutorsync init` creates a program's spreadsheets on Google."""

    # A folder in a shared drive (a service account has no Drive storage of its own): its ID,
    # or its address in the browser.
    drive_folder: str = Field(min_length=1)


class GoogleBase(_Strict):
    """The file `tutorsync init --google-config` reads: how to reach Google ([workspace], as in
    any program's config) and where to create the spreadsheets ([init])."""

    workspace: WorkspaceSettings
    init: InitTarget
    config_dir: Path = Path(".")  # set by load_google_base(); not read from the file

    @field_validator("workspace")
    @classmethod
    def _is_google(cls, value: WorkspaceSettings) -> WorkspaceSettings:
        if value.kind != "google":
            raise ValueError("kind must be 'google' (with a [workspace.google] section)")
        return value

    @property
    def google(self) -> GoogleSettings:
        assert self.workspace.google is not None  # checked by WorkspaceSettings
        return self.workspace.google


def config_relative(config_dir: Path, value: str) -> Path:
    """A path written in a config file: ~ expanded, relative to the file's folder."""
    return (config_dir / Path(value).expanduser()).resolve()


def load(path: Path) -> Settings:
    """Read and validate the config at `path`; raise ConfigError saying what to change."""
    raw = read_toml(
        path,
        f"No config file at {path}. Pass --config, set TUTORSYNC_CONFIG, "
        "or run `tutorsync demo` to create an example.",
    )
    return parse(raw, config_dir=path.parent, origin=str(path))


def load_google_base(path: Path) -> GoogleBase:
    """Read and validate the [workspace] and [init] sections `tutorsync init` uses on Google."""
    raw = read_toml(
        path,
        f'No file at {path}. It holds [workspace] (kind = "google" and [workspace.google]) '
        "and [init] (drive_folder); see the README's Start a new program.",
    )
    if "config_dir" in raw:
        raise ConfigError(f"{path}: 'config_dir' is not a setting")
    try:
        return GoogleBase.model_validate({**raw, "config_dir": path.parent})
    except ValidationError as error:
        raise ConfigError(_explain(error, str(path))) from None


def read_toml(path: Path, missing: str) -> dict[str, Any]:
    """The TOML file at `path`; ConfigError `missing` if there is none, else one naming the
    file and what is wrong with it (unreadable, not UTF-8, not TOML)."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(missing) from None
    except (OSError, UnicodeDecodeError) as error:  # a folder, no permission, not text
        raise ConfigError(f"{path} could not be read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None


def parse(raw: dict[str, Any], *, config_dir: Path, origin: str = "config") -> Settings:
    """Validate an already-decoded config."""
    if "config_dir" in raw:
        raise ConfigError(f"{origin}: 'config_dir' is not a setting")
    try:
        return Settings.model_validate({**raw, "config_dir": config_dir})
    except ValidationError as error:
        raise ConfigError(_explain(error, origin)) from None


def _explain(error: ValidationError, origin: str) -> str:
    lines = [f"{origin} has {error.error_count()} problem(s):"]
    for detail in error.errors():
        key = ".".join(str(part) for part in detail["loc"]) or "(top level)"
        message = detail["msg"].removeprefix("Value error, ")
        if detail["type"] == "missing":
            lines.append(f"- {key}: required, but missing")
        elif detail["type"] == "string_pattern_mismatch":
            lines.append(
                f"- {key}: {detail['input']!r} contains one of [ ] : * ? / \\, "
                "which tab titles cannot hold"
            )
        elif detail["type"] == "extra_forbidden":
            lines.append(f"- {key}: not a known setting (check the spelling)")
        else:
            value = detail.get("input")
            shown = f" (got {value!r})" if not isinstance(value, dict | list) else ""
            lines.append(f"- {key}: {message}{shown}")
    return "\n".join(lines)
