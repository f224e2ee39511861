"""The local calendar reads the check-ins tutorsync wrote without icalendar, exactly as
icalendar reads them (icalendar reads any other form), but for a backslash before an N, which
icalendar writes and reads as a line break, and never parses events that carry no tutorsync
key.

Each test lists the file both ways: `list_events` (without icalendar where it reads alike) and
icalendar alone, the reference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Component, Event
from icalendar.prop import vCalAddress, vText
from test_calendar_contract import series

from jobs.model.calendar import CalendarEvent
from jobs.workspace.local import calendar as local

PROGRAM = "tutorsync:reading"
CHICAGO = ZoneInfo("America/Chicago")


def checkin(key: str = "checkin:rivera:ana", **changes: object) -> CalendarEvent:
    """The contract suite's check-in, with a description as tutorsync writes one."""
    description = "Students you share:\n- Lima, Ana\nProgress: a.xlsx#'Tab'!A1; and more"
    return series(key, **{"description": description, **changes})


@pytest.fixture
def calendar(tmp_path: Path) -> local.LocalCalendar:
    return local.LocalCalendar(tmp_path)


def upsert(calendar: local.LocalCalendar, events: list[CalendarEvent]) -> None:
    calendar.upsert("c.ics", PROGRAM, events, notify_new=False, notify_changed=False)


def by_icalendar(calendar: local.LocalCalendar, monkeypatch: pytest.MonkeyPatch) -> list:
    """The listing with every event parsed by icalendar."""
    with monkeypatch.context() as patched:
        patched.setattr(local, "_plain_reading", lambda text: None)
        patched.setattr(local, "_may_hold", lambda text, name: True)
        return calendar.list_events("c.ics", PROGRAM)


def without_icalendar(calendar: local.LocalCalendar, monkeypatch: pytest.MonkeyPatch) -> list:
    def fail(self: local._Block, name: str) -> None:
        raise AssertionError(f"the {self.kind} on line {self.first_line} was parsed")

    with monkeypatch.context() as patched:
        patched.setattr(local._Block, "component", fail)
        return calendar.list_events("c.ics", PROGRAM)


def edit(calendar: local.LocalCalendar, old: str, new: str) -> None:
    path = calendar.root / "c.ics"
    text = path.read_bytes().decode("utf-8")
    assert old in text
    path.write_bytes(text.replace(old, new, 1).encode("utf-8"))


def test_checkins_tutorsync_wrote_are_read_without_icalendar_as_it_reads_them(
    calendar, monkeypatch
):
    start = datetime(2026, 10, 8, 21, tzinfo=UTC)
    upsert(
        calendar,
        [
            checkin(),
            checkin("checkin:once", recurrence=(), attendees=(), description="", schedule=""),
            checkin("checkin:utc", start=start, end=start + timedelta(hours=1), timezone="UTC"),
            checkin("checkin:tokyo", timezone="Asia/Tokyo", summary="", attendees=("a@b.example",)),
        ],
    )

    read = without_icalendar(calendar, monkeypatch)

    assert read == by_icalendar(calendar, monkeypatch)
    assert [event.key for event in read] == [
        "checkin:rivera:ana",
        "checkin:once",
        "checkin:utc",
        "checkin:tokyo",
    ]


TEXT = st.text(st.sampled_from("ab ,;:\\\n\"'é€"), max_size=20)


@given(
    summary=TEXT,
    description=TEXT,
    key=TEXT.filter(bool),
    schedule=TEXT,
    attendees=st.lists(st.sampled_from(["a@x.example", "B@x.example", "c@y.example"]), unique=True),
    zone=st.sampled_from(["America/Chicago", "UTC", "Europe/London", "Pacific/Auckland"]),
    closed=st.booleans(),
)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_checkin_reads_alike_both_ways(
    tmp_path, monkeypatch, summary, description, key, schedule, attendees, zone, closed
):
    calendar = local.LocalCalendar(tmp_path)
    (tmp_path / "c.ics").unlink(missing_ok=True)
    start = datetime(2026, 9, 15, 15, 30, tzinfo=ZoneInfo(zone))
    recurrence = checkin().recurrence if closed else checkin().recurrence[:1]
    event = checkin(
        key=key,
        summary=summary,
        description=description.replace("\r", ""),
        schedule=schedule,
        attendees=tuple(sorted(address.lower() for address in attendees)),
        start=start,
        end=start + timedelta(minutes=45),
        timezone=zone,
        recurrence=recurrence if zone == "America/Chicago" else recurrence[:1],
    )
    upsert(calendar, [event])

    assert calendar.list_events("c.ics", PROGRAM) == by_icalendar(calendar, monkeypatch)
    assert calendar.list_events("c.ics", PROGRAM) == [event]


# Each as a calendar program or a person might leave one of tutorsync's events: icalendar
# reads these, and the listing is what it reads.
CLASS = "CLASS:PRIVATE\r\n"
RIVERA = "ATTENDEE;ROLE=REQ-PARTICIPANT:mailto:rivera@school.example"
EDITS = {
    "lower-case-name": ("SUMMARY:", "summary:"),
    "fold-inside-a-name": ("X-TUTORSYNC-KEY:", "X-TUTORSYNC-\r\n KEY:"),
    "cancelled": (CLASS, f"{CLASS}STATUS:CANCELLED\r\n"),
    "changed-occurrence": (CLASS, f"{CLASS}RECURRENCE-ID:20261006T203000Z\r\n"),
    "duration": ("DTEND;TZID=America/Chicago:20260915T160000\r\n", "DURATION:PT45M\r\n"),
    "quoted-parameter": ("ATTENDEE;ROLE", 'ATTENDEE;CN="Rivera, Ana";ROLE'),
    "escaped-key": ("X-TUTORSYNC-KEY:checkin:rivera:ana", "X-TUTORSYNC-KEY:checkin:rivera\\,ana"),
    "another-property": (CLASS, f"{CLASS}LOCATION:Room 12\r\n"),
    "alarm": ("END:VEVENT", "BEGIN:VALARM\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT"),
    "escaped-backslash": ("SUMMARY:Check-in", "SUMMARY:\\\\Check-in"),
    "all-day": ("DTSTART;TZID=America/Chicago:20260915T153000", "DTSTART;VALUE=DATE:20260915"),
    "unknown-zone": ("DTSTART;TZID=America/Chicago", "DTSTART;TZID=Mars/Olympus"),
    "no-end": ("DTEND;TZID=America/Chicago:20260915T160000\r\n", ""),
    "key-twice": (CLASS, f"{CLASS}X-TUTORSYNC-KEY:checkin:other\r\n"),
    "lower-case-rule": ("RRULE:FREQ=WEEKLY", "RRULE:freq=weekly"),
    "typed-attendee": (f"{RIVERA}\r\n", "ATTENDEE;VALUE=BOOLEAN:TRUE\r\n"),
}  # fmt: skip


@pytest.mark.parametrize("old, new", EDITS.values(), ids=EDITS.keys())
def test_checkins_in_other_forms_are_read_as_icalendar_reads_them(calendar, monkeypatch, old, new):
    upsert(calendar, [checkin(), checkin("checkin:two")])
    edit(calendar, old, new)

    assert calendar.list_events("c.ics", PROGRAM) == by_icalendar(calendar, monkeypatch)


def test_events_without_a_tutorsync_key_are_never_parsed(calendar, monkeypatch):
    """Someone's own events in the same file cost nothing to read past, and one icalendar
    cannot read (an alarm with a trigger it does not understand) stops nothing: it stays as
    it was."""
    theirs = (
        "BEGIN:VEVENT\r\nUID:lunch@example\r\nDTSTAMP:20260901T120000Z\r\n"
        "DTSTART:20260916T170000Z\r\nSUMMARY:Lunch\r\n"
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:nonsense\r\nEND:VALARM\r\nEND:VEVENT\r\n"
    )
    with pytest.raises(ValueError):
        Component.from_ical(theirs)
    upsert(calendar, [checkin()])
    edit(calendar, "END:VCALENDAR", theirs + "END:VCALENDAR")

    assert without_icalendar(calendar, monkeypatch) == [checkin()]
    upsert(calendar, [checkin(summary="Changed")])
    assert theirs in (calendar.root / "c.ics").read_bytes().decode("utf-8")
    assert calendar.list_events("c.ics", PROGRAM) == [checkin(summary="Changed")]


def test_a_backslash_before_an_n_is_written_and_read_as_itself(calendar, tmp_path):
    event = checkin(description="Folder: N\\Nkosi; shared, as typed")

    upsert(calendar, [event])

    assert calendar.list_events("c.ics", PROGRAM) == [event]
    assert "N\\\\Nkosi\\; shared\\, as typed" in (tmp_path / "c.ics").read_text()


@given(
    summary=TEXT,
    description=TEXT,
    key=TEXT.filter(bool),
    schedule=TEXT,
    attendees=st.lists(st.sampled_from(["a@x.example", "B@x.example", "c@y.example"]), unique=True),
    zone=st.sampled_from(["America/Chicago", "UTC", "Etc/UTC", "Europe/London", "Asia/Kolkata"]),
    recurrence=st.sampled_from([(), checkin().recurrence[:1], checkin().recurrence]),
    long_text=st.booleans(),
)
@settings(max_examples=60, deadline=None)
def test_a_checkin_is_written_as_icalendar_writes_it(
    summary, description, key, schedule, attendees, zone, recurrence, long_text
):
    """The VEVENT is written line by line, not by icalendar: the text is icalendar's own."""
    start = datetime(2026, 9, 15, 15, 30, tzinfo=ZoneInfo(zone))
    event = checkin(
        key=key,
        summary=summary * (9 if long_text else 1),
        description=description,
        schedule=schedule,
        attendees=tuple(sorted(address.lower() for address in attendees)),
        start=start,
        end=start + timedelta(minutes=45),
        timezone=zone,
        recurrence=recurrence if zone == "America/Chicago" else recurrence[:1],
    )

    assert local._event_text(PROGRAM, event) == by_icalendar_writer(PROGRAM, event)


def by_icalendar_writer(program_key: str, event: CalendarEvent) -> str:
    """The VEVENT as icalendar writes an Event of the check-in's properties (tutorsync made
    it so before it wrote the lines itself)."""
    vevent = Event()
    vevent.add("UID", f"{event.event_id}{local.UID_SUFFIX}")
    vevent.add("DTSTAMP", event.start.astimezone(UTC))
    vevent.add("DTSTART", event.start.astimezone(ZoneInfo(event.timezone)))
    vevent.add("DTEND", event.end.astimezone(ZoneInfo(event.timezone)))
    if event.summary:
        vevent.add("SUMMARY", local._Text(event.summary))
    if event.description:
        vevent.add("DESCRIPTION", local._Text(event.description))
    for name, value in local._recurrence_properties(event.recurrence):
        vevent.add(name, value)
    for email in event.attendees:
        vevent.add("ATTENDEE", vCalAddress(f"mailto:{email}"), {"ROLE": "REQ-PARTICIPANT"})
    vevent.add("CLASS", "PRIVATE")
    vevent.add("X-TUTORSYNC-KEY", vText(event.key))
    vevent.add("X-TUTORSYNC-PROGRAM", vText(program_key))
    if event.schedule:
        vevent.add("X-TUTORSYNC-SCHEDULE", vText(event.schedule))
    return vevent.to_ical(sorted=False).decode("utf-8")
