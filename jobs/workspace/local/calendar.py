"""The local calendar: check-ins are events in an iCalendar (.ics) file in the workspace folder.

The file is RFC 5545 iCalendar, written with the `icalendar` package: calendar programs import it
or subscribe to it, and people may add their own events to it. Each check-in is one VEVENT whose
UID is `<event_id>@tutorsync` and which carries X-TUTORSYNC-KEY, X-TUTORSYNC-PROGRAM and
X-TUTORSYNC-SCHEDULE; tutorsync finds its events by those and never reads or changes others.

The file is edited as text, one top-level component at a time: a VEVENT tutorsync writes is
replaced by its new text, and every other line (other programs' events, events typed by hand,
their VTIMEZONEs, the calendar's own properties) is written back byte for byte, however its
program formatted it. Parsing and rewriting the whole calendar would re-sort, re-fold and
re-escape those, and could rename a custom time zone.

A check-in's VEVENT is written line by line, as icalendar would write the Event of its
properties (icalendar still gives the form of a moment in each time zone, of recurrence lines
and of VTIMEZONEs): making each Event through icalendar took most of a run's check-ins.

Reading parses only VEVENTs that may carry a tutorsync key, and reads one as tutorsync writes
it (its own lines, in their plain form) without icalendar, exactly as icalendar would read it:
icalendar takes a millisecond an event. Any other form is read by icalendar.

Recurrence lines are stored as real RRULE, EXDATE, RDATE (and EXRULE) properties and read back
to the same strings. icalendar writes RRULE parts in RFC 5545's order (FREQ, UNTIL, COUNT,
INTERVAL, ...), but tutorsync writes ...;BYDAY=TU;UNTIL=...; and compares what it reads with
what it wants, so RRULE parts keep the order they were given in. Every event is read back
before it is written: one that would not read back exactly as given is refused.
"""

from __future__ import annotations

import functools
import logging
import posixpath
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePath
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Component, Event
from icalendar.parser import Contentline
from icalendar.parser.content_line import NEWLINE, UFOLD
from icalendar.prop import vRecur, vText

from jobs.errors import WorkspaceError
from jobs.model.calendar import (
    KEY_PROPERTY,
    PROGRAM_PROPERTY,
    SCHEDULE_PROPERTY,
    Busy,
    CalendarEvent,
)

# The file conventions of the local spreadsheets: another program's lock file, and atomic
# replacement of the whole file.
from jobs.workspace.local.files import (
    check_not_open,
    link_path,
    read_bytes,
    relative_path,
    replace_file,
)

log = logging.getLogger(__name__)

PRODID = "-//tutorsync//check-ins//EN"
UID_SUFFIX = "@tutorsync"

_KEY = f"X-{KEY_PROPERTY.upper()}"  # X-TUTORSYNC-KEY
_PROGRAM = f"X-{PROGRAM_PROPERTY.upper()}"  # X-TUTORSYNC-PROGRAM
_SCHEDULE = f"X-{SCHEDULE_PROPERTY.upper()}"  # X-TUTORSYNC-SCHEDULE
_RECURRENCE = ("RRULE", "EXRULE", "RDATE", "EXDATE")
_MAILTO = "mailto:"
_TEXT_ESCAPE = re.compile(r"\\([\\;,nN])")  # RFC 5545 3.3.11: \\ \; \, \n
_TEXT_ESCAPES = {"n": "\n", "N": "\n"}

_NEW_CALENDAR = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:{PRODID}\r\n"
_END_CALENDAR = "END:VCALENDAR\r\n"


class LocalCalendar:
    """The `Calendar` port over .ics files under `root`; a calendar is a path relative to it."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def list_events(self, calendar: str, program_key: str) -> list[CalendarEvent]:
        """The program's check-ins in the file, in file order (none if the file does not exist
        yet). Cancelled events, changed single occurrences (RECURRENCE-ID) and events of other
        programs are left out; one of ours that cannot be read is left out with a warning, and
        the next upsert of its key replaces it."""
        path = self._path(calendar)
        document = _document(_read_text(path, calendar), calendar)
        if document is None:
            return []
        events: list[CalendarEvent] = []
        seen: set[str] = set()
        for block in document.blocks:
            reading = block.reading(calendar)
            key = reading.key if reading else None
            if reading is None or key is None or key in seen or reading.program != program_key:
                continue
            if reading.cancelled:
                continue
            seen.add(key)  # a copy of an event (same key) counts once; upsert removes it
            try:
                events.append(reading.checkin())
            except _Unreadable as problem:
                log.warning(
                    "%s: check-in %r on line %d is skipped: %s; the next run rewrites it",
                    calendar,
                    key,
                    block.first_line,
                    problem,
                )
        return events

    def busy(self, emails: Sequence[str], start: datetime, end: datetime) -> dict[str, list[Busy]]:
        """A folder has no free/busy source: nobody's calendar can be seen, so all are free."""
        return {}

    def upsert(
        self,
        calendar: str,
        program_key: str,
        events: Sequence[CalendarEvent],
        *,
        notify_new: bool,
        notify_changed: bool,
    ) -> None:
        """Make each event exist exactly once, as given, in one atomic replacement of the file
        (created if missing): the VEVENT with its key is replaced where it stands, or the event
        is added at the end, with a VTIMEZONE for each time zone it uses. Everything else in
        the file stays as it was; a file that would not change is not written. A file sends no
        invitations, so `notify_new` and `notify_changed` do not matter here. Raises
        WorkspaceError, having written nothing, if the file cannot be read or replaced, or an
        event cannot be stored exactly."""
        del notify_new, notify_changed
        path = self._path(calendar)
        _check_unique_keys(calendar, events)
        if not events:
            return
        written = [(event, _written_event(calendar, program_key, event)) for event in events]
        check_not_open(path, calendar)
        original = _read_text(path, calendar)
        document = _document(original, calendar) or _Document.new()
        _put_events(document, written, calendar)
        _add_missing_timezones(document, _zone_users(events), calendar)
        text = document.text()
        if text != original:
            replace_file(path, text.encode("utf-8"), calendar)

    def link(self, calendar: str, event: CalendarEvent, *, from_spreadsheet: str) -> str:
        """The .ics file, relative to the spreadsheet's folder (a file has no link to one
        event in it)."""
        return _file_link(calendar, from_spreadsheet)

    def _path(self, calendar: str) -> Path:
        """The file a reference names; it must stay inside the workspace folder."""
        reference = PurePath(calendar)
        parts = PurePath(posixpath.normpath(reference.as_posix())).parts
        if not calendar or reference.is_absolute() or reference.anchor or parts[:1] == ("..",):
            raise WorkspaceError(
                f"{calendar!r} is not a path inside the workspace folder ({self.root}); "
                "name the calendar by its path relative to it, like calendars/check-ins.ics"
            )
        path = self.root.joinpath(*parts)
        if path.suffix.lower() != ".ics":
            raise WorkspaceError(
                f"{calendar} is not an .ics file; the local workspace keeps check-ins in an "
                "iCalendar file, like check-ins.ics"
            )
        return path


# --- Test and demo helpers ---------------------------------------------------------------------


def add_foreign_event(path: Path, summary: str, start: datetime, end: datetime) -> None:
    """Add an event as another calendar program would (its own UID, no tutorsync properties)
    to the .ics file at `path`, creating the file if needed."""
    document = _document(_read_text(path, path.name), path.name) or _Document.new()
    vevent = Event()
    # Random-looking, as calendar programs make them, but the same for the same event.
    vevent.add("UID", f"{uuid.uuid5(uuid.NAMESPACE_URL, f'{summary} {start.isoformat()}')}")
    vevent.add("DTSTAMP", start.astimezone(UTC))
    vevent.add("DTSTART", start)
    vevent.add("DTEND", end)
    vevent.add("SUMMARY", summary)
    document.blocks.append(_Block.of(vevent))
    _add_missing_timezones(document, [vevent], path.name)
    replace_file(path, document.text().encode("utf-8"), path.name)


def delete_event(path: Path, key: str) -> None:
    """Delete the check-in with this key from the .ics file at `path`, as a calendar program
    deletes an event from a file: its VEVENT is gone, every other line stays as it was."""
    document = _document(_read_text(path, path.name), path.name)
    blocks = document.blocks if document is not None else []
    kept = [block for block in blocks if _key_of(block, path.name) != key]
    if document is None or len(kept) == len(blocks):
        raise WorkspaceError(f"{path.name} holds no check-in {key!r}")
    document.blocks = kept
    replace_file(path, document.text().encode("utf-8"), path.name)


def stored_events(path: Path) -> list[dict[str, Any]]:
    """Every VEVENT in the file as a calendar program sees it: {"summary", "key" (None if
    tutorsync did not write it), "uid", "start"}. A missing file holds none."""
    if not path.exists():
        return []
    parsed = Calendar.from_ical(path.read_bytes())
    return [
        {
            "summary": str(vevent.get("SUMMARY", "")),
            "key": _text(vevent.get(_KEY)),
            "uid": str(vevent.get("UID", "")),
            "start": _first(vevent.get("DTSTART")).dt,
        }
        for vevent in parsed.walk("VEVENT")
    ]


# --- The file as text ---------------------------------------------------------------------------


@dataclass
class _Block:
    """A run of lines inside VCALENDAR: one component from BEGIN to END (`kind` is its name,
    like VEVENT), or calendar properties (`kind` None). `text` keeps its line ends."""

    text: str
    kind: str | None
    first_line: int = 0  # where it starts in the file read, for messages; 0 if new
    _parsed: Component | None = field(default=None, repr=False)

    @classmethod
    def of(cls, component: Component) -> _Block:
        return cls(component.to_ical(sorted=False).decode("utf-8"), component.name, 0, component)

    def reading(self, calendar: str) -> _Reading | None:
        """What tutorsync reads of this VEVENT; None for other components and for events
        with no tutorsync key, which are never parsed."""
        if self.kind != "VEVENT" or not _may_hold(self.text, _KEY):
            return None
        return _plain_reading(self.text) or _component_reading(self.component(calendar))

    def component(self, calendar: str) -> Component:
        if self._parsed is None:
            try:
                self._parsed = Component.from_ical(self.text)
            except Exception as error:  # icalendar raises several kinds on damaged text
                raise WorkspaceError(
                    f"{calendar}: the {self.kind} starting on line {self.first_line} cannot be "
                    f"read ({error}); correct or remove it in a calendar program or text editor"
                ) from None
        return self._parsed


@functools.lru_cache(maxsize=1024)
def _file_link(calendar: str, from_spreadsheet: str) -> str:
    """The calendar file relative to the spreadsheet's folder: worked out once a spreadsheet,
    as a run links every student's next check-in."""
    here = PurePath(from_spreadsheet).parent.as_posix() or "."
    return link_path(relative_path(PurePath(calendar).as_posix(), here))


@dataclass
class _Document:
    """An .ics file split so that components can be replaced one by one: `head` up to and
    including BEGIN:VCALENDAR, the calendar's `blocks`, and `tail` from END:VCALENDAR on
    (with any further calendars in the file, which tutorsync leaves alone)."""

    head: str
    blocks: list[_Block]
    tail: str

    @classmethod
    def new(cls) -> _Document:
        return cls(_NEW_CALENDAR, [], _END_CALENDAR)

    def text(self) -> str:
        return self.head + "".join(block.text for block in self.blocks) + self.tail


def _read_text(path: Path, calendar: str) -> str | None:
    """The file's text, or None if it does not exist yet."""
    if not path.exists():
        return None
    try:
        return read_bytes(path, calendar).decode("utf-8")
    except UnicodeDecodeError:
        raise WorkspaceError(
            f"{calendar} is not UTF-8 text, as iCalendar files are; export the calendar again "
            "from its calendar program"
        ) from None


def _document(text: str | None, calendar: str) -> _Document | None:
    """The file's text split into blocks; None for a file that does not exist or is empty."""
    if text is None or not text.strip():
        return None
    return _split(text, calendar)


def _split(text: str, calendar: str) -> _Document:
    # Lines end at \n, as icalendar reads them; a line starting with a space or tab continues
    # the line before it, so it can never be a BEGIN or END line.
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    names = [line.rstrip("\r\n").strip().lstrip("\ufeff").upper() for line in lines]
    start = next((i for i, name in enumerate(names) if name == "BEGIN:VCALENDAR"), None)
    if start is None:
        raise WorkspaceError(
            f"{calendar} is not an iCalendar file (it has no BEGIN:VCALENDAR line); name an "
            ".ics file exported by a calendar program, or a file that does not exist yet"
        )
    blocks: list[_Block] = []
    depth = 0  # of components inside VCALENDAR
    for index in range(start + 1, len(lines)):
        line, name = lines[index], names[index]
        continued = line[:1] in (" ", "\t")
        if depth == 0:
            if not continued and name.startswith("END:"):
                return _Document("".join(lines[: start + 1]), blocks, "".join(lines[index:]))
            if not continued and name.startswith("BEGIN:"):
                blocks.append(_Block(line, name.removeprefix("BEGIN:"), index + 1))
                depth = 1
            elif blocks and blocks[-1].kind is None:
                blocks[-1].text += line
            else:
                blocks.append(_Block(line, None, index + 1))
            continue
        blocks[-1].text += line
        if not continued and name.startswith("BEGIN:"):
            depth += 1
        elif not continued and name.startswith("END:"):
            depth -= 1
    raise WorkspaceError(
        f"{calendar} ends before its END:VCALENDAR line, so it may have been cut short; "
        "restore it from a backup or export the calendar again"
    )


@dataclass(frozen=True)
class _Reading:
    """What tutorsync reads of one VEVENT."""

    key: str | None  # a series' key; None for other events and for changed occurrences
    program: str | None
    cancelled: bool
    checkin: Callable[[], CalendarEvent]  # raises _Unreadable


def _component_reading(vevent: Component) -> _Reading:
    """What tutorsync reads of a VEVENT icalendar parsed."""
    return _Reading(
        key=_series_key(vevent),
        program=_text(vevent.get(_PROGRAM)),
        cancelled=str(vevent.get("STATUS", "")).upper() == "CANCELLED",
        checkin=lambda: _calendar_event(vevent),
    )


def _key_of(block: _Block, calendar: str) -> str | None:
    reading = block.reading(calendar)
    return reading.key if reading else None


def _may_hold(text: str, name: str) -> bool:
    """False only if no content line of `text` can be the property `name`: icalendar reads a
    name without case and without the spaces in and around it, and a fold (a line break and a
    space) may split it anywhere."""
    return name in "".join(text.split()).upper()


def _put_events(
    document: _Document, written: Sequence[tuple[CalendarEvent, str]], calendar: str
) -> None:
    """Replace each written event's VEVENT where it stands, or add it at the end."""
    places: dict[str, list[int]] = {}
    for index, block in enumerate(document.blocks):
        key = _key_of(block, calendar)
        if key is not None:
            places.setdefault(key, []).append(index)
    copies: set[int] = set()
    added: list[_Block] = []
    for event, text in written:
        block = _Block(text, "VEVENT", 0)
        found = places.get(event.key, [])
        if not found:
            added.append(block)
            continue
        if document.blocks[found[0]].text != text:
            document.blocks[found[0]] = block
        # A copy of the event (say, pasted twice by hand) would show it twice.
        copies.update(found[1:])
    kept = [block for index, block in enumerate(document.blocks) if index not in copies]
    document.blocks = kept + added


def _zone_users(events: Iterable[CalendarEvent]) -> list[Component]:
    """A VEVENT for each time zone and recurrence the events use, holding only those: what
    icalendar looks at to find the VTIMEZONEs they need."""
    users: list[Component] = []
    for timezone, recurrence in dict.fromkeys((e.timezone, e.recurrence) for e in events):
        vevent = Event()
        vevent.add("DTSTART", datetime(2000, 1, 1, tzinfo=_zone(timezone)))
        for name, value in _recurrence_properties(recurrence):
            vevent.add(name, value)
        users.append(vevent)
    return users


def _add_missing_timezones(
    document: _Document, vevents: Iterable[Component], calendar: str
) -> None:
    """Add a VTIMEZONE, made by icalendar from the tz database, for each TZID the events use
    that the file does not define yet; a zone the file defines already is left as it is."""
    existing = [block.component(calendar) for block in document.blocks if block.kind == "VTIMEZONE"]
    scratch = Calendar()
    for component in [*existing, *vevents]:
        scratch.add_component(component)
    scratch.add_missing_timezones()
    known = {id(component) for component in existing}
    added = sorted(
        (zone for zone in scratch.timezones if id(zone) not in known), key=lambda z: z.tz_name
    )
    if not added:
        return
    kinds = [block.kind for block in document.blocks]
    if "VTIMEZONE" in kinds:  # after the file's own time zones
        at = len(kinds) - kinds[::-1].index("VTIMEZONE")
    else:  # before the first component
        at = next((i for i, kind in enumerate(kinds) if kind is not None), len(kinds))
    document.blocks[at:at] = [_Block.of(zone) for zone in added]


# --- Events -------------------------------------------------------------------------------------


class _Unreadable(ValueError):
    """A VEVENT that does not describe a check-in (say, an all-day event)."""


def _series_key(vevent: Component) -> str | None:
    """The key of a check-in's VEVENT; None for other events and for changed occurrences."""
    if "RECURRENCE-ID" in vevent:
        return None
    return _text(vevent.get(_KEY))


def _text(value: object) -> str | None:
    """A TEXT value. icalendar 7.2+ reads X- properties as UNKNOWN (raw, still escaped);
    earlier versions read them as TEXT."""
    if value is None:
        return None
    value = _first(value)
    if isinstance(value, vText):
        return str(value)
    text = str(value)
    if "\\" not in text:  # nothing escaped: most summaries, every key
        return text
    return _TEXT_ESCAPE.sub(lambda match: _TEXT_ESCAPES.get(match[1], match[1]), text)


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise _Unreadable(f"{timezone!r} is not a time zone name") from None


def _calendar_event(vevent: Component) -> CalendarEvent:
    """The check-in a VEVENT describes. Raises _Unreadable."""
    key = _text(vevent.get(_KEY))
    if key is None:
        raise _Unreadable(f"it has no {_KEY}")
    start_property, end_property = _first(vevent.get("DTSTART")), _first(vevent.get("DTEND"))
    duration = getattr(_first(vevent.get("DURATION")), "dt", None)
    if start_property is None:
        raise _Unreadable("it has no DTSTART")
    timezone, start = _moment(start_property)
    zone = _zone(timezone)
    start = start.astimezone(zone)
    if end_property is not None:
        end = _moment(end_property)[1].astimezone(zone)
    elif isinstance(duration, timedelta):
        end = start + duration
    else:
        raise _Unreadable("it has no DTEND")
    return CalendarEvent(
        key=key,
        summary=_text(vevent.get("SUMMARY")) or "",
        description=_text(vevent.get("DESCRIPTION")) or "",
        start=start,
        end=end,
        timezone=timezone,
        recurrence=_recurrence_lines(vevent),
        attendees=_emails(str(address) for address in _all(vevent.get("ATTENDEE"))),
        schedule=_text(vevent.get(_SCHEDULE)) or "",
    )


def _emails(addresses: Iterable[str]) -> tuple[str, ...]:
    """Attendees' addresses as the port compares them: lower case, sorted, no "mailto:"."""
    return tuple(
        sorted(
            address[len(_MAILTO) :].lower()
            if address.lower().startswith(_MAILTO)
            else address.lower()
            for address in addresses
        )
    )


def _moment(prop: Any) -> tuple[str, datetime]:
    """(time zone name, aware datetime) of a DTSTART or DTEND: its wall clock in its TZID, or
    a UTC time. Dates (all-day events) and floating times name no moment."""
    value = prop.dt
    if not isinstance(value, datetime):
        raise _Unreadable("it is an all-day event")
    tzid = prop.params.get("TZID")
    if tzid:
        return str(tzid), value.replace(tzinfo=_zone(str(tzid)))
    if value.tzinfo is not None and value.utcoffset() == timedelta(0):
        return "UTC", value.replace(tzinfo=ZoneInfo("UTC"))
    raise _Unreadable("its time has no time zone")


def _first(value: Any) -> Any:
    """A property's value; if the property is given more than once, the first one."""
    return value[0] if isinstance(value, list) and value else value


def _all(value: object) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


# --- Check-ins as tutorsync writes them, read without icalendar --------------------------------

# A content line with plain parameters: no quotes, lists, escapes or spaces, which icalendar
# reads in more than one way.
_PLAIN_LINE = re.compile(
    r"(?P<name>[A-Z][A-Z0-9-]*)(?P<params>(?:;[A-Z][A-Z0-9-]*=[A-Za-z0-9/_+.-]*)*):(?P<value>.*)"
)
# The escapes of RFC 5545 3.3.11. A backslash itself ("\\\\") is read here, by the RFC: icalendar
# reads "\\\\N" (a backslash, then N) as a line break.
_PLAIN_TEXT = re.compile(r"(?:[^\\]|\\[\\;,nN])*")
_MOMENT = re.compile(r"[0-9]{8}T[0-9]{6}")
_TZID = re.compile(r";TZID=(?P<zone>[A-Za-z0-9/_+.-]+)")
_ONCE = frozenset(
    {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION", "CLASS"}
    | {_KEY, _PROGRAM, _SCHEDULE}
)
_UNESCAPED = frozenset({_KEY, _PROGRAM, _SCHEDULE, "ATTENDEE"})  # read without unescaping


@dataclass
class _PlainLines:
    once: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (params, value)
    attendees: list[str] = field(default_factory=list)
    recurrence: dict[str, list[str]] = field(default_factory=dict)  # names in the order seen


def _plain_reading(text: str) -> _Reading | None:
    """The check-in in a VEVENT holding only the lines tutorsync writes, each in the form it
    writes them, read as icalendar and `_calendar_event` read it (icalendar takes about a
    millisecond an event); None for any other VEVENT, which icalendar then reads."""
    lines = _plain_lines(text)
    if lines is None:
        return None
    once = lines.once
    key, start, end, stamp = (once.get(name) for name in (_KEY, "DTSTART", "DTEND", "DTSTAMP"))
    summary, description = (once.get(name, ("", ""))[1] for name in ("SUMMARY", "DESCRIPTION"))
    if key is None or start is None or end is None:
        return None
    if not _PLAIN_TEXT.fullmatch(summary) or not _PLAIN_TEXT.fullmatch(description):
        return None
    if stamp is not None and not _is_utc(stamp[1]):
        return None  # a DTSTAMP of another form could make icalendar fail
    try:
        timezone, first = _plain_moment(*start)
        last = _plain_moment(*end)[1]
        recurrence = tuple(
            read for name in lines.recurrence for line in lines.recurrence[name]
            for read in _as_read(line)
        )  # fmt: skip
    except Exception:  # icalendar, which then reads the event, says what is wrong
        return None
    zone = ZoneInfo(timezone)
    checkin = CalendarEvent(
        key=key[1],
        summary=_text(summary) or "",
        description=_text(description) or "",
        start=first.astimezone(zone),
        end=last.astimezone(zone),
        timezone=timezone,
        recurrence=recurrence,
        attendees=_emails(lines.attendees),
        schedule=once.get(_SCHEDULE, ("", ""))[1],
    )
    program = once.get(_PROGRAM)
    return _Reading(key[1], program[1] if program else None, False, lambda: checkin)


def _plain_lines(text: str) -> _PlainLines | None:
    """A VEVENT's content lines by property, if each is one tutorsync writes, in the form it
    writes it; None otherwise."""
    lines = [line for line in NEWLINE.split(UFOLD.sub("", text)) if line]
    if lines[:1] != ["BEGIN:VEVENT"] or lines[-1:] != ["END:VEVENT"]:
        return None
    plain = _PlainLines()
    for line in lines[1:-1]:
        found = _PLAIN_LINE.fullmatch(line)
        if found is None:
            return None
        name, params, value = found.group("name", "params", "value")
        if name in _UNESCAPED and "\\" in value:
            return None  # icalendar versions differ on escapes in these
        if name in _ONCE and name not in plain.once:
            if params and name not in ("DTSTART", "DTEND"):
                return None
            plain.once[name] = (params, value)
        elif name == "ATTENDEE" and ";VALUE=" not in params:  # a VALUE makes another type
            plain.attendees.append(value)
        elif name in _RECURRENCE:
            plain.recurrence.setdefault(name, []).append(line)
        else:
            return None
    return plain


def _plain_moment(params: str, value: str) -> tuple[str, datetime]:
    """`_moment` of a DTSTART or DTEND in UTC or at a TZID's wall clock. Raises ValueError for
    any other form."""
    zone = _TZID.fullmatch(params)
    if params == "" and _is_utc(value):
        return "UTC", _wall_clock(value).replace(tzinfo=ZoneInfo("UTC"))
    if zone and _MOMENT.fullmatch(value):
        return zone["zone"], _wall_clock(value).replace(tzinfo=ZoneInfo(zone["zone"]))
    raise ValueError(f"{params}:{value} is not a plain moment")


def _is_utc(value: str) -> bool:
    return value.endswith("Z") and bool(_MOMENT.fullmatch(value[:-1]))


def _wall_clock(value: str) -> datetime:
    return datetime(
        int(value[:4]), int(value[4:6]), int(value[6:8]),
        int(value[9:11]), int(value[11:13]), int(value[13:15]),
    )  # fmt: skip


@functools.lru_cache(maxsize=1024)
def _as_read(line: str) -> tuple[str, ...]:
    """A recurrence line as `_recurrence_lines` gives it, parsed and written back by icalendar;
    worked out once a line (a program's series share a few)."""
    return _recurrence_lines(Component.from_ical(f"BEGIN:VEVENT\r\n{line}\r\nEND:VEVENT\r\n"))


class _RecurInGivenOrder(vRecur):
    """An RRULE value whose parts are written in the order they were given (or read in):
    vRecur sorts them into RFC 5545's order, which would not read back as the line given."""

    def sorted_items(self) -> list[tuple[Any, Any]]:
        return list(self.items())


def _in_given_order(value: Any) -> Any:
    if isinstance(value, vRecur) and not isinstance(value, _RecurInGivenOrder):
        ordered = _RecurInGivenOrder(value)
        ordered.params = value.params
        return ordered
    return value


def _recurrence_lines(vevent: Component) -> tuple[str, ...]:
    """The RRULE, EXRULE, RDATE and EXDATE properties as content lines (unfolded), in the order
    the file has them, each as RFC 5545 writes it: RRULE:FREQ=...;..., EXDATE;TZID=...:...."""
    lines = []
    for name in vevent:  # file order (lines of one name together)
        if name.upper() not in _RECURRENCE:
            continue
        for value in _all(vevent[name]):
            lines.append(
                str(Contentline.from_parts(name.upper(), value.params, _in_given_order(value)))
            )
    return tuple(lines)


def _recurrence_properties(lines: Sequence[str]) -> list[tuple[str, Any]]:
    """Recurrence lines parsed into icalendar's properties (vRecur, vDDDLists), by parsing
    them as the lines of a VEVENT. Raises _Unreadable if a line is not one of these."""
    if not lines:
        return []
    if any("\n" in line or "\r" in line for line in lines):
        raise _Unreadable("a recurrence line holds a line break")
    text = "BEGIN:VEVENT\r\n" + "".join(f"{line}\r\n" for line in lines) + "END:VEVENT\r\n"
    try:
        parsed = Event.from_ical(text)
    except Exception as error:  # icalendar raises several kinds on damaged text
        raise _Unreadable(f"its recurrence cannot be read ({error})") from None
    if parsed.errors:
        raise _Unreadable(f"its recurrence cannot be read ({parsed.errors[0][1]})")
    properties: list[tuple[str, Any]] = []
    for name in parsed:
        if name.upper() not in _RECURRENCE:
            raise _Unreadable(f"{name} is not a recurrence property (RRULE, RDATE or EXDATE)")
        properties.extend((name.upper(), _in_given_order(value)) for value in _all(parsed[name]))
    return properties


class _Text(vText):
    """TEXT escaped as RFC 5545 3.3.11 says, and nothing more: icalendar also writes a
    backslash before an N (a name, a path) as a line break."""

    def to_ical(self) -> bytes:
        text = str(self).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        for line_break in ("\r\n", "\n", "\r"):
            text = text.replace(line_break, "\\n")
        return text.encode("utf-8")


def _event_text(program_key: str, event: CalendarEvent) -> str:
    """The VEVENT for `event`, as icalendar writes the Event made of its properties
    (tests/workspace/test_local_calendar_reading.py compares the two), written line by line:
    making the Event and having icalendar write it cost more than the rest of a run's
    check-ins. The parts whose form is icalendar's own (a moment in a time zone, recurrence)
    are still written by icalendar, once per zone or recurrence."""
    zone = _zone(event.timezone)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{_text_value(f'{event.event_id}{UID_SUFFIX}')}",
        # DTSTAMP is required; the start in UTC keeps an unchanged event's text unchanged.
        _moment_line("DTSTAMP", event.start.astimezone(UTC)),
        _moment_line("DTSTART", event.start.astimezone(zone)),
        _moment_line("DTEND", event.end.astimezone(zone)),
    ]
    if event.summary:
        lines.append(f"SUMMARY:{_Text(event.summary).to_ical().decode('utf-8')}")
    if event.description:
        lines.append(f"DESCRIPTION:{_Text(event.description).to_ical().decode('utf-8')}")
    lines += _recurrence_content_lines(event.recurrence)
    lines += [f"ATTENDEE;ROLE=REQ-PARTICIPANT:{_MAILTO}{email}" for email in event.attendees]
    lines.append("CLASS:PRIVATE")
    lines.append(f"{_KEY}:{_text_value(event.key)}")
    lines.append(f"{_PROGRAM}:{_text_value(program_key)}")
    if event.schedule:
        lines.append(f"{_SCHEDULE}:{_text_value(event.schedule)}")
    lines.append("END:VEVENT")
    return "".join(_folded(line) + "\r\n" for line in lines)


def _text_value(text: str) -> str:
    return vText(text).to_ical().decode("utf-8")


def _moment_line(name: str, moment: datetime) -> str:
    """The content line icalendar writes for a datetime property: its parameters and whether
    the value ends in Z depend on the time zone only."""
    parameters, utc = _moment_form(moment.tzinfo)
    return f"{name}{parameters}:{moment:%Y%m%dT%H%M%S}{'Z' if utc else ''}"


@functools.lru_cache(maxsize=64)
def _moment_form(zone: Any) -> tuple[str, bool]:
    """How icalendar writes a datetime in `zone`: the parameters (";TZID=...") and a Z."""
    vevent = Event()
    vevent.add("DTSTART", datetime(2000, 1, 1, tzinfo=zone))
    line = str(vevent.content_lines(sorted=False)[1])  # after BEGIN:VEVENT
    parameters, value = line.removeprefix("DTSTART").rsplit(":", 1)
    return parameters, value.endswith("Z")


@functools.lru_cache(maxsize=1024)
def _recurrence_content_lines(recurrence: tuple[str, ...]) -> tuple[str, ...]:
    """The recurrence lines as icalendar writes them once parsed (see _recurrence_properties),
    unfolded. Raises _Unreadable as it does."""
    vevent = Event()
    for name, value in _recurrence_properties(recurrence):
        vevent.add(name, value)
    return tuple(str(line) for line in vevent.content_lines(sorted=False)[1:-2])


def _folded(line: str) -> str:
    """A content line folded as icalendar folds it; one of at most 74 bytes stays as it is,
    and icalendar folds a character at a time, so only longer ones are handed to it."""
    if len(line.encode("utf-8")) < _FOLD_AT:
        return line
    return Contentline(line).to_ical().decode("utf-8")


def _written_event(calendar: str, program_key: str, event: CalendarEvent) -> str:
    """`event`'s VEVENT text, read back first: an event the file cannot hold
    exactly (say, text with a carriage return) would look changed on every run."""
    for moment in (event.start, event.end):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise WorkspaceError(
                f"{calendar}: check-in {event.key!r} was not written: its start and end must "
                "have a time zone (this is a bug in tutorsync; please report it)"
            )
    try:
        text = _event_text(program_key, event)
        reading = _plain_reading(text) or _component_reading(Component.from_ical(text))
        read_back, program = reading.checkin(), reading.program
    except _Unreadable as problem:
        raise WorkspaceError(
            f"{calendar}: check-in {event.key!r} was not written: {problem} (this is a bug in "
            "tutorsync; please report it)"
        ) from None
    differences = [
        f"{item.name} {getattr(event, item.name)!r} would read back as "
        f"{getattr(read_back, item.name)!r}"
        for item in fields(CalendarEvent)
        if getattr(event, item.name) != getattr(read_back, item.name)
    ]
    if program != program_key:
        differences.append(f"program {program_key!r} would read back as {program!r}")
    if differences:
        raise WorkspaceError(
            f"{calendar}: check-in {event.key!r} was not written, since an .ics file cannot "
            f"hold it exactly: {'; '.join(differences)} (this is a bug in tutorsync; please "
            "report it)"
        )
    return text


_FOLD_AT = 75  # bytes: a line this long or longer, icalendar folds


def _check_unique_keys(calendar: str, events: Sequence[CalendarEvent]) -> None:
    seen: set[str] = set()
    for event in events:
        if event.key in seen:
            raise WorkspaceError(f"{calendar}: check-in {event.key!r} is written twice")
        seen.add(event.key)
