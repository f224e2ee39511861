"""The Calendar contract: what every calendar adapter promises the check-ins job. The contract
tests use only the port and the harness (conftest.py), so they run against each adapter; the
tests of the .ics file itself follow, in `TestLocalCalendarFile`."""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from jobs.errors import WorkspaceError
from jobs.model.calendar import Busy, CalendarEvent, event_id, generation_of
from jobs.settings import PROGRAM_KEY
from jobs.workspace.local.calendar import LocalCalendar

CHICAGO = ZoneInfo("America/Chicago")
PROGRAM = "tutorsync:contract"
GOOGLE_EVENT_ID = re.compile(r"^[a-v0-9]{5,1024}$")


def at(day: date, hour: int, minute: int = 0, zone: ZoneInfo = CHICAGO) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def series(key: str = "checkin:rivera:ana", **changes: object) -> CalendarEvent:
    """Every other Tuesday at 15:30 until June, without the Tuesdays of two breaks."""
    start = at(date(2026, 9, 15), 15, 30)
    event = CalendarEvent(
        key=key,
        summary="Check-in: Ms. Rivera, Ana Lima; grade 7 math",
        description="Ana's tutor and teacher compare notes.\nAgenda: sessions, grades; next steps.",
        start=start,
        end=start + timedelta(minutes=30),
        timezone="America/Chicago",
        recurrence=(
            "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;UNTIL=20270611T045959Z",
            "EXDATE;TZID=America/Chicago:20261124T153000,20261222T153000",
        ),
        attendees=("rivera@school.example", "tutor@school.example"),
        schedule="weekly-2:tue-1530",
    )
    return replace(event, **changes)  # type: ignore[arg-type]


def one_off(key: str = "checkin:okafor:ben:2026-10-08", **changes: object) -> CalendarEvent:
    start = at(date(2026, 10, 8), 16)
    event = CalendarEvent(
        key=key,
        summary="Check-in: Mr. Okafor & Ben Adeyemi",
        description="",
        start=start,
        end=start + timedelta(minutes=20),
        timezone="America/Chicago",
        attendees=("okafor@school.example",),
        schedule="once",
    )
    return replace(event, **changes)  # type: ignore[arg-type]


def upsert(harness, events, program: str = PROGRAM) -> None:
    harness.calendar.upsert(
        harness.calendar_id, program, events, notify_new=False, notify_changed=False
    )


def listed(harness, program: str = PROGRAM) -> list[CalendarEvent]:
    return sorted(harness.calendar.list_events(harness.calendar_id, program), key=lambda e: e.key)


def file_text(path: Path) -> str:
    """The file's text with its line ends as they are (read_text would turn CRLF into LF)."""
    return path.read_bytes().decode("utf-8")


def by_key(events):
    return sorted(events, key=lambda event: event.key)


# --- The contract ---------------------------------------------------------------------------------


def test_upserted_events_list_back_exactly_as_given(calendar_harness):
    events = [series(), one_off()]

    upsert(calendar_harness, events)

    assert listed(calendar_harness) == by_key(events)


def test_upserting_the_same_events_again_changes_nothing(calendar_harness):
    events = [series(), one_off()]
    upsert(calendar_harness, events)
    first = listed(calendar_harness)
    stored_keys = sorted(item["key"] for item in calendar_harness.stored())

    upsert(calendar_harness, events)

    assert listed(calendar_harness) == first == by_key(events)
    assert sorted(item["key"] for item in calendar_harness.stored()) == stored_keys


@pytest.mark.parametrize(
    "change",
    [
        {"attendees": ("rivera@school.example", "sub.tutor@school.example")},
        {"attendees": ()},
        {"description": "Moved to the library; bring the progress report."},
    ],
    ids=["attendee-replaced", "attendees-removed", "description"],
)
def test_changing_one_event_changes_only_that_event(calendar_harness, change):
    other = one_off()
    upsert(calendar_harness, [series(), other])
    changed = series(**change)

    upsert(calendar_harness, [changed])

    assert listed(calendar_harness) == by_key([changed, other])


def test_ending_a_series_early_keeps_its_key_id_and_start(calendar_harness):
    running = series()
    upsert(calendar_harness, [running])
    ended = replace(
        running,
        recurrence=(
            "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;UNTIL=20270130T055959Z",
            running.recurrence[1],
        ),
    )

    upsert(calendar_harness, [ended])

    [found] = listed(calendar_harness)
    assert found == ended
    assert (found.key, found.event_id, found.start) == (
        running.key,
        running.event_id,
        running.start,
    )


@pytest.mark.parametrize("deletions", [1, 3])
def test_a_check_in_a_person_deleted_is_made_again_once_then_left_alone(
    calendar_harness, deletions
):
    events, deleted = [series(), one_off()], series()
    upsert(calendar_harness, events)
    for _ in range(deletions):
        calendar_harness.delete_event(deleted.key)
        assert listed(calendar_harness) == [one_off()]

        upsert(calendar_harness, events)

        assert listed(calendar_harness) == by_key(events)
    stored = calendar_harness.stored()
    assert sorted(item["key"] for item in stored) == sorted(event.key for event in events)

    upsert(calendar_harness, events)

    assert calendar_harness.stored() == stored
    assert listed(calendar_harness) == by_key(events)


def test_events_of_another_program_are_not_listed(calendar_harness):
    ours, theirs = series(), one_off(key="checkin:other-program:lee")
    upsert(calendar_harness, [ours])
    upsert(calendar_harness, [theirs], program="tutorsync:other-program")

    assert listed(calendar_harness) == [ours]
    assert listed(calendar_harness, "tutorsync:other-program") == [theirs]


def test_a_foreign_event_is_never_listed_nor_changed_by_upserts(calendar_harness):
    day = date(2026, 10, 13)
    calendar_harness.add_foreign_event("Staff meeting", at(day, 15), at(day, 16))
    [foreign] = calendar_harness.stored()

    upsert(calendar_harness, [series(), one_off()])
    upsert(calendar_harness, [series(description="Changed."), one_off(summary="Renamed")])

    assert {event.summary for event in listed(calendar_harness)} == {
        series().summary,
        "Renamed",
    }
    others = [item for item in calendar_harness.stored() if item["key"] is None]
    assert others == [foreign]
    assert foreign["summary"] == "Staff meeting"


def test_sixty_events_in_one_upsert_each_land_exactly_once(calendar_harness):
    # More than one batch on Google (at most 50 requests in a batch).
    events = [
        one_off(
            key=f"checkin:teacher-{n:02d}:student",
            summary=f"Check-in {n}",
            start=at(date(2026, 10, 1) + timedelta(days=n), 15),
            end=at(date(2026, 10, 1) + timedelta(days=n), 15, 30),
        )
        for n in range(60)
    ]

    upsert(calendar_harness, events)

    assert listed(calendar_harness) == by_key(events)
    stored_keys = [item["key"] for item in calendar_harness.stored()]
    assert sorted(stored_keys) == sorted(event.key for event in events)


@pytest.mark.parametrize(
    "key",
    [
        "checkin:rivera:ana",
        "a",
        "tutorsync:Program With Spaces:Ms. O'Brien:Zoë:2026-10-08",
        "x" * 500,
    ],
)
def test_event_ids_follow_googles_rule_for_client_chosen_ids(calendar_harness, key):
    upsert(calendar_harness, [one_off(key=key)])

    [found] = listed(calendar_harness)
    assert found.key == key
    assert found.event_id == event_id(key)
    assert GOOGLE_EVENT_ID.match(found.event_id)


@settings(max_examples=200, deadline=None)
@given(key=st.text(min_size=1), generation=st.integers(0, 10**9))
def test_each_generation_of_a_keys_id_follows_googles_rule_and_is_the_keys_alone(key, generation):
    made = event_id(key, generation)

    assert GOOGLE_EVENT_ID.match(made)
    assert made.startswith(event_id(key)) and len(made) == 32 + (generation > 0) * (
        1 + len(str(generation))
    )
    assert generation_of(key, made) == generation
    assert generation_of(key + "'", made) is None
    assert made != event_id(key, generation + 1)


def test_an_id_that_is_none_of_the_keys_generations_has_none():
    first = event_id("checkin:rivera:ana")

    for other in (first + "g", first + "g01", first + "g-1", first + "1", first[:-1], "abcde"):
        assert generation_of("checkin:rivera:ana", other) is None
    with pytest.raises(ValueError):
        event_id("checkin:rivera:ana", -1)


def test_a_weekly_series_across_the_end_of_daylight_saving_keeps_its_local_time(
    calendar_harness,
):
    # Daylight saving time ends in Chicago on Sunday 1 November 2026.
    start = at(date(2026, 10, 27), 15, 30)
    weekly = series(
        start=start,
        end=start + timedelta(minutes=30),
        recurrence=("RRULE:FREQ=WEEKLY;BYDAY=TU;UNTIL=20261202T055959Z",),
    )

    upsert(calendar_harness, [weekly])

    [found] = listed(calendar_harness)
    assert found == weekly
    assert found.timezone == "America/Chicago"
    assert found.start.astimezone(CHICAGO).time() == time(15, 30)
    assert found.start.utcoffset() == timedelta(hours=-5)  # CDT, before the change


def test_busy_gives_a_persons_busy_time_inside_the_window_only(calendar_harness):
    email, day = "tutor@school.example", date(2026, 10, 14)
    if calendar_harness.set_busy is None:
        # No free/busy source: nobody's calendar can be seen, so everyone counts as free.
        assert calendar_harness.calendar.busy([email], at(day, 14), at(day, 17)) == {}
        return
    calendar_harness.set_busy(email, at(day, 15), at(day, 16))

    inside = calendar_harness.calendar.busy([email], at(day, 14), at(day, 17))
    outside = calendar_harness.calendar.busy([email], at(day, 16), at(day + timedelta(1), 16))

    assert inside == {email: [Busy(at(day, 15), at(day, 16))]}
    assert not outside.get(email)


# --- The local .ics file ------------------------------------------------------------------------


ZONES = ["America/Chicago", "Europe/London", "Asia/Kolkata", "Australia/Lord_Howe"]
BYDAY = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]

# Text as educators type it: any characters but surrogates and control characters (a carriage
# return cannot be kept, see test_an_event_the_file_cannot_hold_exactly_is_refused), plus line
# breaks, tabs and the characters iCalendar escapes.
texts = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\t,;:\\\"'"),
    max_size=60,
)
emails = st.from_regex(r"[a-z][a-z0-9._+-]{0,15}@[a-z]{1,10}\.example", fullmatch=True)


@st.composite
def check_ins(draw: st.DrawFn) -> CalendarEvent:
    zone_name = draw(st.sampled_from(ZONES))
    zone = ZoneInfo(zone_name)
    day = draw(st.dates(date(2026, 1, 1), date(2027, 12, 31)))
    quarter_hours = draw(st.integers(7 * 4, 20 * 4))  # 07:00 to 20:00, far from DST changes
    start = at(day, quarter_hours // 4, quarter_hours % 4 * 15, zone)
    end = start + timedelta(minutes=15 * draw(st.integers(1, 8)))
    recurrence: tuple[str, ...] = ()
    if draw(st.booleans()):
        interval, count = draw(st.integers(1, 3)), draw(st.integers(1, 30))
        last = start + timedelta(weeks=interval * count)
        until = f"{last.astimezone(UTC):%Y%m%dT%H%M%SZ}"
        rule = f"RRULE:FREQ=WEEKLY;INTERVAL={interval};BYDAY={BYDAY[day.weekday()]};UNTIL={until}"
        skipped = draw(st.lists(st.integers(1, count), unique=True, max_size=3))
        stamps = ",".join(
            f"{start + timedelta(weeks=interval * n):%Y%m%dT%H%M%S}" for n in sorted(skipped)
        )
        recurrence = (rule, f"EXDATE;TZID={zone_name}:{stamps}") if skipped else (rule,)
    if draw(st.booleans()):  # the port takes any aware datetime, and gives them in the zone
        start, end = start.astimezone(UTC), end.astimezone(UTC)
    return CalendarEvent(
        key=draw(texts.filter(bool)),
        summary=draw(texts),
        description=draw(texts),
        start=start,
        end=end,
        timezone=zone_name,
        recurrence=recurrence,
        attendees=tuple(sorted(draw(st.lists(emails, unique=True, max_size=4)))),
        schedule=draw(st.text("0123456789abcdef:-", max_size=12)),
    )


HAND_MADE = (
    "BEGIN:VCALENDAR\r\n"
    "PRODID:-//Example School//Staff Calendar 2.1//EN\r\n"
    "VERSION:2.0\r\n"
    "X-WR-CALNAME:Check-ins\r\n"
    "BEGIN:VTIMEZONE\r\n"
    "TZID:Central Standard Time\r\n"
    "BEGIN:STANDARD\r\n"
    "DTSTART:16010101T020000\r\n"
    "TZOFFSETFROM:-0500\r\n"
    "TZOFFSETTO:-0600\r\n"
    "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\r\n"
    "END:STANDARD\r\n"
    "BEGIN:DAYLIGHT\r\n"
    "DTSTART:16010101T020000\r\n"
    "TZOFFSETFROM:-0600\r\n"
    "TZOFFSETTO:-0500\r\n"
    "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\n"
    "END:DAYLIGHT\r\n"
    "END:VTIMEZONE\r\n"
    "BEGIN:VEVENT\r\n"
    "SUMMARY:Parent night\r\n"
    "DTSTART;TZID=Central Standard Time:20261015T180000\r\n"
    "DTEND;TZID=Central Standard Time:20261015T200000\r\n"
    "UID:040000008200E00074C5B7101A82E0080000000052D2A3B3\r\n"
    "DESCRIPTION:A long description that a calendar program folded over two l\r\n"
    " ines\\, with an escaped comma.\r\n"
    "DTSTAMP:20260901T120000Z\r\n"
    "BEGIN:VALARM\r\n"
    "ACTION:DISPLAY\r\n"
    "TRIGGER:-PT15M\r\n"
    "DESCRIPTION:Reminder\r\n"
    "END:VALARM\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VTODO\r\n"
    "UID:todo-1@example.school\r\n"
    "DTSTAMP:20260901T120000Z\r\n"
    "SUMMARY:Print report cards\r\n"
    "END:VTODO\r\n"
    "END:VCALENDAR\r\n"
)


class TestLocalCalendarFile:
    """What only the local adapter does: the .ics file itself."""

    @pytest.fixture
    def harness(self, local_calendar_harness):
        return local_calendar_harness

    @pytest.fixture
    def path(self, tmp_path, local_calendar_harness) -> Path:
        return tmp_path / local_calendar_harness.calendar_id

    def test_upserting_unchanged_events_does_not_rewrite_the_file(self, harness, path):
        upsert(harness, [series(), one_off()])
        before = path.read_bytes(), os.stat(path).st_ino, os.stat(path).st_mtime_ns

        upsert(harness, [series(), one_off()])
        upsert(harness, [one_off()])

        assert (path.read_bytes(), os.stat(path).st_ino, os.stat(path).st_mtime_ns) == before

    def test_the_file_is_valid_icalendar_with_a_vtimezone_for_each_tzid(self, harness, path):
        kolkata = ZoneInfo("Asia/Kolkata")
        upsert(harness, [series()])
        upsert(
            harness,
            [
                one_off(),
                one_off(
                    key="checkin:kolkata",
                    start=at(date(2026, 10, 9), 17, 0, kolkata),
                    end=at(date(2026, 10, 9), 17, 30, kolkata),
                    timezone="Asia/Kolkata",
                ),
            ],
        )

        calendar = Calendar.from_ical(path.read_bytes())
        assert (str(calendar["PRODID"]), str(calendar["VERSION"])) == (
            "-//tutorsync//check-ins//EN",
            "2.0",
        )
        assert len(calendar.events) == 3
        for vevent in calendar.events:
            assert {"UID", "DTSTAMP", "DTSTART"} <= set(vevent)
            assert not vevent.errors
        assert calendar.get_missing_tzids() == set()
        assert sorted(zone.tz_name for zone in calendar.timezones) == [
            "America/Chicago",
            "Asia/Kolkata",
        ]
        text = file_text(path)
        assert text.index("BEGIN:VTIMEZONE") < text.index("BEGIN:VEVENT")
        assert "\r\n" in text and "\n" not in text.replace("\r\n", "")

    def test_a_check_in_is_one_vevent_with_its_properties_and_tutorsyncs_tags(self, harness, path):
        event = series()

        upsert(harness, [event])

        text = file_text(path).replace("\r\n ", "")  # unfolded
        vevent = text[text.index("BEGIN:VEVENT") : text.index("END:VEVENT")]
        expected = [
            f"UID:{event.event_id}@tutorsync",
            "DTSTAMP:20260915T203000Z",
            "DTSTART;TZID=America/Chicago:20260915T153000",
            "DTEND;TZID=America/Chicago:20260915T160000",
            "SUMMARY:Check-in: Ms. Rivera\\, Ana Lima\\; grade 7 math",
            "DESCRIPTION:Ana's tutor and teacher compare notes.\\nAgenda: sessions\\, "
            "grades\\; next steps.",
            "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;UNTIL=20270611T045959Z",
            "EXDATE;TZID=America/Chicago:20261124T153000,20261222T153000",
            "ATTENDEE;ROLE=REQ-PARTICIPANT:mailto:rivera@school.example",
            "ATTENDEE;ROLE=REQ-PARTICIPANT:mailto:tutor@school.example",
            "CLASS:PRIVATE",
            "X-TUTORSYNC-KEY:checkin:rivera:ana",
            f"X-TUTORSYNC-PROGRAM:{PROGRAM}",
            "X-TUTORSYNC-SCHEDULE:weekly-2:tue-1530",
        ]
        assert vevent.split("\r\n")[1:-1] == expected

    def test_a_series_across_daylight_saving_is_stored_at_its_wall_clock_time(self, harness, path):
        start = at(date(2026, 10, 27), 15, 30)
        upsert(harness, [series(start=start, end=start + timedelta(minutes=30))])

        assert "\r\nDTSTART;TZID=America/Chicago:20261027T153000\r\n" in file_text(path)

    def test_components_tutorsync_did_not_write_stay_byte_for_byte(self, harness, path):
        path.write_bytes(HAND_MADE.encode("utf-8"))
        upsert(harness, [series(), one_off()])

        upsert(harness, [series(attendees=()), one_off(key="checkin:new")])

        text = file_text(path)
        assert text.startswith(HAND_MADE[: HAND_MADE.index("BEGIN:VTIMEZONE")])
        theirs = re.finditer(r"BEGIN:(VTIMEZONE|VEVENT|VTODO)\r\n.*?END:\1\r\n", HAND_MADE, re.S)
        for component in theirs:
            assert component[0] in text
        assert (
            text.index("Parent night")
            < text.index("Print report cards")
            < text.index("X-TUTORSYNC-KEY")
        )
        assert len(listed(harness)) == 3

    def test_a_missing_file_lists_no_events_and_is_not_created_by_reading(self, harness, path):
        assert harness.calendar.list_events(harness.calendar_id, PROGRAM) == []
        assert not path.exists()

    @pytest.mark.parametrize(
        "reference", ["../outside.ics", "sub/../../outside.ics", "/tmp/calendar.ics", ""]
    )
    def test_a_calendar_outside_the_workspace_folder_is_refused(self, harness, reference):
        with pytest.raises(WorkspaceError, match="not a path inside the workspace folder"):
            harness.calendar.list_events(reference, PROGRAM)
        with pytest.raises(WorkspaceError, match="not a path inside the workspace folder"):
            harness.calendar.upsert(
                reference, PROGRAM, [series()], notify_new=False, notify_changed=False
            )

    def test_a_calendar_that_is_not_an_ics_file_is_refused(self, harness):
        with pytest.raises(WorkspaceError, match=r"check-ins\.xlsx is not an \.ics file"):
            harness.calendar.list_events("check-ins.xlsx", PROGRAM)

    @pytest.mark.parametrize(
        "content, message",
        [
            ("Subject,Start Date\r\nParent night,10/15/2026\r\n", "not an iCalendar file"),
            (HAND_MADE[: HAND_MADE.index("BEGIN:VTODO")], "cut short"),
        ],
        ids=["csv", "cut-short"],
    )
    def test_a_damaged_file_is_reported_and_left_alone(self, harness, path, content, message):
        path.write_text(content, encoding="utf-8", newline="")

        with pytest.raises(WorkspaceError, match=message):
            harness.calendar.list_events(harness.calendar_id, PROGRAM)
        with pytest.raises(WorkspaceError, match=message):
            upsert(harness, [series()])
        assert file_text(path) == content

    def test_a_file_open_in_another_program_is_not_written(self, harness, path, tmp_path):
        upsert(harness, [series()])
        before = path.read_bytes()
        (tmp_path / ".~lock.calendar.ics#").write_text("someone,host", encoding="utf-8")

        with pytest.raises(WorkspaceError, match="open in another program"):
            upsert(harness, [series(attendees=())])
        assert path.read_bytes() == before

    @pytest.mark.parametrize(
        "event, problem",
        [
            (series(description="Windows line end:\r\nnext line"), "description"),
            (series(attendees=("tutor@school.example", "rivera@school.example")), "attendees"),
            (series(recurrence=("rrule:freq=weekly",)), "recurrence"),
            (series(recurrence=("ATTENDEE:mailto:x@school.example",)), "not a recurrence"),
            (series(recurrence=("RRULE:FREQ=WEEKLY\r\nSTATUS:CANCELLED",)), "line break"),
            (series(timezone="Mars/Olympus_Mons"), "not a time zone"),
            (series(start=datetime(2026, 9, 15, 15, 30)), "time zone"),
        ],
        ids=["carriage-return", "unsorted", "lower-case", "other", "injected", "zone", "naive"],
    )
    def test_an_event_the_file_cannot_hold_exactly_is_refused(self, harness, path, event, problem):
        upsert(harness, [one_off()])
        before = path.read_bytes()

        with pytest.raises(WorkspaceError, match=problem):
            upsert(harness, [one_off(summary="Changed"), event])
        assert path.read_bytes() == before

    def test_a_key_written_twice_in_one_upsert_is_refused(self, harness, path):
        with pytest.raises(WorkspaceError, match="written twice"):
            upsert(harness, [series(), series(description="again")])
        assert not path.exists()

    def test_a_check_in_copied_by_hand_is_listed_once_and_written_back_once(self, harness, path):
        upsert(harness, [series()])
        text = file_text(path)
        block = text[text.index("BEGIN:VEVENT") : text.index("END:VEVENT") + len("END:VEVENT\r\n")]
        path.write_text(text.replace(block, block * 2), encoding="utf-8", newline="")

        assert listed(harness) == [series()]
        upsert(harness, [series(description="Once.")])

        assert file_text(path).count("BEGIN:VEVENT") == 1
        assert listed(harness) == [series(description="Once.")]

    def test_a_check_in_marked_cancelled_by_hand_is_made_again_in_its_place(self, harness, path):
        # Some calendar programs keep a deleted event in the file as STATUS:CANCELLED.
        upsert(harness, [series(), one_off()])
        text = file_text(path)
        first_end = text.index("END:VEVENT")
        path.write_text(
            text[:first_end] + "STATUS:CANCELLED\r\n" + text[first_end:],
            encoding="utf-8",
            newline="",
        )
        assert len(listed(harness)) == 1

        upsert(harness, [series(), one_off()])

        assert listed(harness) == by_key([series(), one_off()])
        assert file_text(path) == text

    @settings(max_examples=150, deadline=None)
    @given(event=check_ins(), program=st.from_regex(PROGRAM_KEY, fullmatch=True))
    def test_any_reasonable_event_lists_back_exactly_as_given(self, event, program):
        with tempfile.TemporaryDirectory() as folder:
            calendar = LocalCalendar(Path(folder))

            calendar.upsert("c.ics", program, [event], notify_new=True, notify_changed=True)

            assert calendar.list_events("c.ics", program) == [event]
