"""Google-only behaviour of the Calendar adapter, on the fake: batching, reruns that write
nothing, recovery from lost replies and half-finished runs, errors, free/busy."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests

from jobs.errors import WorkspaceError
from jobs.model.calendar import (
    KEY_PROPERTY,
    PROGRAM_PROPERTY,
    SCHEDULE_PROPERTY,
    Busy,
    CalendarEvent,
    event_id,
)
from jobs.workspace.google.calendar import GoogleCalendar
from jobs.workspace.google.transport import RetryPolicy

CHICAGO = ZoneInfo("America/Chicago")
PROGRAM = "spring-2027"
WRITES = ("calendar.events.insert", "calendar.events.patch", "calendar.batch")
GOOGLE_EVENT_ID = re.compile(r"[a-v0-9]{5,1024}")


def checkin(number: int, **changes: object) -> CalendarEvent:
    start = datetime(2027, 3, 1, 15, 0, tzinfo=CHICAGO) + timedelta(days=number % 20)
    fields: dict[str, object] = {
        "key": f"checkin/tutor-{number:03d}/teacher-{number % 7}",
        "summary": f"Check-in: tutor {number:03d}",
        "description": "Fifteen minutes on how the student is doing.",
        "start": start,
        "end": start + timedelta(minutes=15),
        "timezone": "America/Chicago",
        "recurrence": ("RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=6",),
        "attendees": (f"teacher{number % 7}@school.org", f"tutor{number:03d}@school.org"),
        "schedule": "weekly-v1",
    }
    fields.update(changes)
    return CalendarEvent(**fields)  # type: ignore[arg-type]


def upsert(calendar: GoogleCalendar, calendar_id: str, events: list[CalendarEvent]) -> None:
    calendar.upsert(calendar_id, PROGRAM, events, notify_new=True, notify_changed=False)


def stored_keys(harness) -> list[str]:
    return sorted(event["key"] for event in harness.stored())


@pytest.fixture
def session(google_harness):
    """The harness's session (the one its GoogleCalendar uses), its backoff made instant."""
    paced = google_harness.workspace.session
    paced.retry = RetryPolicy(base_seconds=0.0, cap_seconds=0.0)
    return paced


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def recording_calendar(session, sleeps) -> GoogleCalendar:
    """A GoogleCalendar on the harness's session whose waits between rounds are recorded."""
    return GoogleCalendar(session, sleep=sleeps.append)


def test_sixty_new_events_go_out_in_two_batches_of_at_most_fifty(
    google_calendar_harness, fake_google
):
    calendar, calendar_id = google_calendar_harness.calendar, google_calendar_harness.calendar_id
    events = [checkin(n) for n in range(60)]

    upsert(calendar, calendar_id, events)

    counts = fake_google.counts()
    assert counts["calendar.batch"] == 2
    assert counts["calendar.events.insert"] == 60
    assert counts["calendar.events.list"] == 1
    assert counts["calendar.events.patch"] == 0
    assert stored_keys(google_calendar_harness) == sorted(e.key for e in events)
    listed = calendar.list_events(calendar_id, PROGRAM)
    assert sorted(listed, key=lambda e: e.key) == sorted(events, key=lambda e: e.key)


def test_inserted_events_carry_the_derived_id_tags_and_sharing_settings(
    google_calendar_harness, fake_google
):
    calendar, calendar_id = google_calendar_harness.calendar, google_calendar_harness.calendar_id
    event = checkin(1)

    calendar.upsert(calendar_id, PROGRAM, [event], notify_new=False, notify_changed=False)

    (stored,) = fake_google.calendar.events(calendar_id)
    assert stored["id"] == event.event_id
    assert stored["extendedProperties"]["private"] == {
        KEY_PROPERTY: event.key,
        PROGRAM_PROPERTY: PROGRAM,
        SCHEDULE_PROPERTY: "weekly-v1",
    }
    assert stored["visibility"] == "private"
    assert stored["guestsCanSeeOtherGuests"] is True
    assert stored["start"] == {
        "dateTime": "2027-03-02T15:00:00-06:00",
        "timeZone": "America/Chicago",
    }
    (insert,) = [r for r in fake_google.requests if r.method_id == "calendar.events.insert"]
    assert insert.in_batch
    assert insert.query["sendUpdates"] == ["none"]


def test_a_rerun_with_the_same_events_writes_nothing(google_calendar_harness, fake_google):
    calendar, calendar_id = google_calendar_harness.calendar, google_calendar_harness.calendar_id
    events = [checkin(n) for n in range(60)]
    upsert(calendar, calendar_id, events)
    fake_google.reset_log()

    upsert(calendar, calendar_id, events)

    counts = fake_google.counts()
    assert counts["calendar.events.list"] == 1
    assert all(counts[write] == 0 for write in WRITES), counts
    assert sum(counts.values()) == 1


def test_events_are_read_back_as_they_were_written(google_calendar_harness):
    calendar, calendar_id = google_calendar_harness.calendar, google_calendar_harness.calendar_id
    utc_given = checkin(2, start=datetime(2027, 3, 3, 21, 0, tzinfo=UTC))
    utc_given = checkin(2, start=utc_given.start, end=utc_given.start + timedelta(minutes=30))
    mixed_case = checkin(3, attendees=("Zed@School.org", "amy@school.org"))

    upsert(calendar, calendar_id, [utc_given, mixed_case])
    listed = {event.key: event for event in calendar.list_events(calendar_id, PROGRAM)}

    got = listed[utc_given.key]
    assert got.start == utc_given.start
    assert got.start.tzinfo == CHICAGO and got.start.hour == 15
    assert got.recurrence == ("RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=6",)
    assert listed[mixed_case.key].attendees == ("amy@school.org", "zed@school.org")


def test_a_changed_event_is_patched_with_change_notifications_as_asked(
    google_calendar_harness, fake_google
):
    calendar, calendar_id = google_calendar_harness.calendar, google_calendar_harness.calendar_id
    events = [checkin(n) for n in range(5)]
    upsert(calendar, calendar_id, events)
    fake_google.reset_log()
    moved = checkin(
        2,
        start=events[2].start + timedelta(hours=1),
        end=events[2].end + timedelta(hours=1),
        recurrence=(),
    )

    calendar.upsert(
        calendar_id,
        PROGRAM,
        [*events[:2], moved, *events[3:]],
        notify_new=False,
        notify_changed=True,
    )

    counts = fake_google.counts()
    assert counts["calendar.events.patch"] == 1
    assert counts["calendar.events.insert"] == 0
    (patch,) = [r for r in fake_google.requests if r.method_id == "calendar.events.patch"]
    assert patch.query["sendUpdates"] == ["all"]
    listed = {event.key: event for event in calendar.list_events(calendar_id, PROGRAM)}
    assert listed[moved.key] == moved
    assert listed[moved.key].recurrence == ()


def test_a_run_killed_halfway_is_finished_by_the_next_without_duplicates(
    google_calendar_harness, fake_google
):
    calendar, calendar_id = google_calendar_harness.calendar, google_calendar_harness.calendar_id
    events = [checkin(n) for n in range(60)]
    upsert(calendar, calendar_id, events[:30])
    fake_google.reset_log()

    upsert(calendar, calendar_id, events)

    assert fake_google.counts()["calendar.events.insert"] == 30
    stored = google_calendar_harness.stored()
    assert len(stored) == 60
    assert len({event["id"] for event in stored}) == 60
    assert stored_keys(google_calendar_harness) == sorted(e.key for e in events)


def test_an_insert_answered_409_leaves_the_existing_event_as_wanted(
    google_calendar_harness, fake_google
):
    calendar, calendar_id = google_calendar_harness.calendar, google_calendar_harness.calendar_id
    wanted = checkin(4)
    # The event exists under the derived id but without the program's tag (so the listing
    # misses it) and with other content: the insert answers 409 duplicate.
    fake_google.calendar.add_event(
        calendar_id,
        {
            "id": wanted.event_id,
            "summary": "old summary",
            "start": {"dateTime": "2027-01-01T09:00:00-06:00", "timeZone": "America/Chicago"},
            "end": {"dateTime": "2027-01-01T09:15:00-06:00", "timeZone": "America/Chicago"},
            "extendedProperties": {"private": {KEY_PROPERTY: wanted.key}},
        },
    )

    upsert(calendar, calendar_id, [wanted])

    statuses = [(r.method_id, r.status) for r in fake_google.requests if r.in_batch]
    assert statuses == [
        ("calendar.events.insert", 409),
        ("calendar.events.get", 200),
        ("calendar.events.patch", 200),
    ]
    assert calendar.list_events(calendar_id, PROGRAM) == [wanted]
    assert len(fake_google.calendar.events(calendar_id)) == 1


def delete(fake_google, calendar_id: str, google_id: str) -> None:
    """A person deletes the event in Google Calendar: it stays, cancelled, under its id."""
    fake_google.build("calendar").events().delete(
        calendarId=calendar_id, eventId=google_id
    ).execute()


def live_ids(fake_google, calendar_id: str) -> list[str]:
    return [e["id"] for e in fake_google.calendar.events(calendar_id, include_cancelled=False)]


def batch_calls(fake_google) -> list[tuple[str, str, int]]:
    """(method, event id, status) of each call inside a batch."""
    calls = []
    for r in fake_google.requests:
        if r.in_batch:
            _, _, event = r.path.partition("/events/")
            event = event or (r.body or {}).get("id", "")
            calls.append((r.method_id.removeprefix("calendar.events."), event, r.status))
    return calls


def test_an_event_a_person_deleted_is_made_again_under_the_next_id_and_never_patched(
    google_calendar_harness, fake_google, session
):
    calendar, calendar_id = google_calendar_harness.calendar, google_calendar_harness.calendar_id
    wanted = checkin(5)
    upsert(calendar, calendar_id, [wanted])
    delete(fake_google, calendar_id, wanted.event_id)
    assert calendar.list_events(calendar_id, PROGRAM) == []
    fake_google.reset_log()

    upsert(calendar, calendar_id, [wanted])

    again = event_id(wanted.key, 1)
    assert again == wanted.event_id + "g1" and GOOGLE_EVENT_ID.fullmatch(again)
    assert batch_calls(fake_google) == [
        ("insert", wanted.event_id, 409),
        ("get", wanted.event_id, 200),
        ("insert", again, 200),
    ]
    assert live_ids(fake_google, calendar_id) == [again]
    assert calendar.list_events(calendar_id, PROGRAM) == [wanted]
    fake_google.reset_log()

    upsert(GoogleCalendar(session), calendar_id, [wanted])  # a rerun: listed, left alone

    assert set(fake_google.counts()) == {"calendar.events.list"}


def test_an_event_deleted_again_and_again_takes_the_next_free_id_each_time(
    google_calendar_harness, fake_google
):
    calendar, calendar_id = google_calendar_harness.calendar, google_calendar_harness.calendar_id
    wanted = checkin(6)
    upsert(calendar, calendar_id, [wanted])
    for generation in range(1, 4):
        delete(fake_google, calendar_id, live_ids(fake_google, calendar_id)[0])

        upsert(calendar, calendar_id, [wanted])

        assert live_ids(fake_google, calendar_id) == [event_id(wanted.key, generation)]
    assert not any(r.status == 403 for r in fake_google.requests)
    assert len(fake_google.calendar.events(calendar_id)) == 4  # three of them cancelled


def test_a_remade_event_applied_but_answered_503_is_found_not_duplicated(
    google_calendar_harness, fake_google, session
):
    calendar, calendar_id = google_calendar_harness.calendar, google_calendar_harness.calendar_id
    wanted = checkin(7)
    upsert(calendar, calendar_id, [wanted])
    delete(fake_google, calendar_id, wanted.event_id)
    fake_google.reset_log()
    # The insert under the new id is applied, then answered 503 (the 409 is no success); the
    # session fixture makes the backoff before it is sent again instant.
    fake_google.faults.fail_after_apply("calendar.events.insert", times=1)

    upsert(calendar, calendar_id, [wanted])

    again = event_id(wanted.key, 1)
    assert batch_calls(fake_google) == [
        ("insert", wanted.event_id, 409),
        ("get", wanted.event_id, 200),
        ("insert", again, 503),
        ("insert", again, 409),
        ("get", again, 200),
    ]
    assert live_ids(fake_google, calendar_id) == [again]


@pytest.mark.parametrize("applied", [False, True], ids=["before-the-insert", "after-it"])
def test_a_run_killed_while_making_a_deleted_event_again_is_finished_by_the_next(
    google_calendar_harness, fake_google, session, monkeypatch, applied
):
    calendar, calendar_id = google_calendar_harness.calendar, google_calendar_harness.calendar_id
    events = [checkin(n) for n in range(3)]
    upsert(calendar, calendar_id, events)
    for event in events:
        delete(fake_google, calendar_id, event.event_id)
    sent = GoogleCalendar._send_batch
    rounds: list[int] = []

    def killed_in_the_third_round(self, *args):
        # Rounds: inserts (409), gets (cancelled), inserts under the next ids.
        rounds.append(1)
        if len(rounds) < 3:
            return sent(self, *args)
        if applied:
            sent(self, *args)
        raise KeyboardInterrupt

    monkeypatch.setattr(GoogleCalendar, "_send_batch", killed_in_the_third_round)
    with pytest.raises(KeyboardInterrupt):
        upsert(calendar, calendar_id, events)
    monkeypatch.setattr(GoogleCalendar, "_send_batch", sent)
    fake_google.reset_log()

    upsert(GoogleCalendar(session), calendar_id, events)

    assert ("calendar.events.insert" in fake_google.counts()) is not applied
    assert sorted(live_ids(fake_google, calendar_id)) == sorted(event_id(e.key, 1) for e in events)
    fake_google.reset_log()
    upsert(GoogleCalendar(session), calendar_id, events)
    assert not any(m in fake_google.counts() for m in WRITES)


def test_the_link_of_an_event_made_again_opens_the_new_event(
    google_calendar_harness, fake_google, session
):
    calendar, calendar_id = google_calendar_harness.calendar, google_calendar_harness.calendar_id
    wanted = checkin(8)
    upsert(calendar, calendar_id, [wanted])
    delete(fake_google, calendar_id, wanted.event_id)

    upsert(calendar, calendar_id, [wanted])
    later = GoogleCalendar(session)  # a later run: it lists, then links
    later.list_events(calendar_id, PROGRAM)

    for adapter in (calendar, later):
        link = adapter.link(calendar_id, wanted, from_spreadsheet="unused")
        eid = urlsplit(link).query.removeprefix("eid=")
        decoded = base64.urlsafe_b64decode(eid + "=" * (-len(eid) % 4)).decode()
        assert decoded == f"{event_id(wanted.key, 1)} {calendar_id}"


def test_a_deleted_event_restored_from_the_trash_after_it_was_made_again_is_listed_once(
    google_calendar_harness, fake_google
):
    calendar, calendar_id = google_calendar_harness.calendar, google_calendar_harness.calendar_id
    wanted = checkin(9)
    upsert(calendar, calendar_id, [wanted])
    delete(fake_google, calendar_id, wanted.event_id)
    upsert(calendar, calendar_id, [wanted])
    fake_google.calendar.undelete(calendar_id, wanted.event_id)
    fake_google.reset_log()

    assert calendar.list_events(calendar_id, PROGRAM) == [wanted]
    upsert(calendar, calendar_id, [wanted])

    assert not any(m in fake_google.counts() for m in WRITES)


def test_an_event_deleted_more_times_than_ids_are_tried_fails_once_saying_so(
    google_calendar_harness, fake_google, monkeypatch
):
    import jobs.workspace.google.calendar as module

    monkeypatch.setattr(module, "GENERATIONS", 2)
    calendar, calendar_id = google_calendar_harness.calendar, google_calendar_harness.calendar_id
    wanted = checkin(10)
    upsert(calendar, calendar_id, [wanted])
    delete(fake_google, calendar_id, wanted.event_id)
    upsert(calendar, calendar_id, [wanted])  # under its second id, the last one tried
    delete(fake_google, calendar_id, event_id(wanted.key, 1))
    fake_google.reset_log()

    with pytest.raises(WorkspaceError) as raised:
        upsert(calendar, calendar_id, [wanted])

    message = str(raised.value)
    assert "'Check-in: tutor 010'" in message and "deleted" in message
    assert "may not change events" not in message
    assert [(method, status) for method, _, status in batch_calls(fake_google)] == [
        ("insert", 409),
        ("get", 200),
        ("insert", 409),
        ("get", 200),
    ]


def test_inserts_applied_then_answered_503_are_retried_and_counted_as_done(
    google_calendar_harness, fake_google, recording_calendar, sleeps
):
    calendar, calendar_id = recording_calendar, google_calendar_harness.calendar_id
    events = [checkin(n) for n in range(60)]
    # Each of the first 40 inserts is applied, then its batch part answers 503.
    fake_google.faults.fail_after_apply("calendar.events.insert", times=40)

    upsert(calendar, calendar_id, events)

    inserts = [r.status for r in fake_google.requests if r.method_id == "calendar.events.insert"]
    assert inserts.count(503) == 40
    assert inserts.count(409) == 40  # the re-sent inserts find their events
    assert len(sleeps) == 1
    stored = google_calendar_harness.stored()
    assert len(stored) == 60
    assert stored_keys(google_calendar_harness) == sorted(e.key for e in events)


def test_a_batch_applied_whose_reply_is_lost_is_resent_and_ends_with_one_event_each(
    google_calendar_harness, fake_google, session, monkeypatch
):
    calendar, calendar_id = google_calendar_harness.calendar, google_calendar_harness.calendar_id
    send = session.send
    lost: list[str] = []

    def send_then_lose_first_batch_reply(request, **kwargs):
        response = send(request, **kwargs)
        if "/batch/calendar/v3" in request.url and not lost:
            lost.append(request.url)
            unavailable = requests.Response()
            unavailable.status_code = 503
            unavailable._content = b'{"error": {"code": 503, "message": "unavailable"}}'
            unavailable._content_consumed = True
            response.close()
            unavailable.request = request
            return unavailable
        return response

    monkeypatch.setattr(session, "send", send_then_lose_first_batch_reply)
    events = [checkin(n) for n in range(60)]

    upsert(calendar, calendar_id, events)

    assert lost  # the first batch was applied, then its reply replaced by a 503
    assert session.retries["calendar.batch"] == 1
    inserts = [r.status for r in fake_google.requests if r.method_id == "calendar.events.insert"]
    assert inserts.count(409) == 50  # the session re-sent the whole first batch
    assert inserts.count(200) == 60
    assert fake_google.counts()["calendar.events.patch"] == 0  # found as wanted
    stored = google_calendar_harness.stored()
    assert len(stored) == 60
    assert stored_keys(google_calendar_harness) == sorted(e.key for e in events)


def test_rate_limited_batch_parts_are_sent_again_after_a_backoff(
    google_calendar_harness, fake_google, recording_calendar, sleeps
):
    calendar, calendar_id = recording_calendar, google_calendar_harness.calendar_id
    # The first three inserts answer 429, the next two 403 rateLimitExceeded.
    fake_google.faults.fail(429, method="calendar.events.insert", times=3)
    fake_google.faults.fail(
        403, method="calendar.events.insert", reason="rateLimitExceeded", times=2
    )

    upsert(calendar, calendar_id, [checkin(n) for n in range(12)])

    assert len(google_calendar_harness.stored()) == 12
    assert fake_google.counts()["calendar.batch"] == 2  # 12 parts, then the 5 refused again
    assert len(sleeps) == 1
    statuses = [r.status for r in fake_google.requests if r.method_id == "calendar.events.insert"]
    assert sorted(statuses) == [200] * 12 + [403] * 2 + [429] * 3


def test_parts_still_rate_limited_after_three_retries_fail_naming_the_events(
    google_calendar_harness, fake_google, recording_calendar, sleeps
):
    calendar, calendar_id = recording_calendar, google_calendar_harness.calendar_id
    # Inserts in order: tutor 001, tutor 002, then tutor 001 again three times. A rule sees
    # only the requests an earlier rule let through.
    fake_google.faults.fail(429, method="calendar.events.insert", nth=1, times=1)
    fake_google.faults.fail(429, method="calendar.events.insert", nth=2, times=3)

    with pytest.raises(WorkspaceError) as raised:
        upsert(calendar, calendar_id, [checkin(1), checkin(2)])

    message = str(raised.value)
    assert calendar_id in message
    assert "'Check-in: tutor 001'" in message
    assert "run again later" in message
    assert "tutor 002" not in message
    assert [e["summary"] for e in google_calendar_harness.stored()] == ["Check-in: tutor 002"]
    assert fake_google.counts()["calendar.events.insert"] == 5  # 2, then 3 rounds of 1
    assert len(sleeps) == 3


def test_a_calendar_not_shared_for_changes_fails_naming_it_and_the_sharing_fix(
    google_calendar_harness, fake_google
):
    calendar, calendar_id = google_calendar_harness.calendar, google_calendar_harness.calendar_id
    fake_google.faults.fail(403, method="calendar.events.insert", times=100)

    with pytest.raises(WorkspaceError) as raised:
        upsert(calendar, calendar_id, [checkin(n) for n in range(3)])

    message = str(raised.value)
    assert calendar_id in message
    assert "share the calendar with the service account (Make changes to events)" in message
    assert "'Check-in: tutor 000'" in message
    assert fake_google.counts()["calendar.events.insert"] == 3  # a permission error: no retry


def test_a_calendar_that_cannot_be_read_fails_before_any_write(
    google_calendar_harness, fake_google
):
    calendar, calendar_id = google_calendar_harness.calendar, google_calendar_harness.calendar_id
    fake_google.faults.fail(403, method="calendar.events.list")

    with pytest.raises(WorkspaceError, match="Make changes to events") as raised:
        upsert(calendar, calendar_id, [checkin(1)])

    assert calendar_id in str(raised.value)
    assert fake_google.counts()["calendar.batch"] == 0


def test_a_missing_calendar_says_it_was_not_found(google_calendar_harness, fake_google):
    calendar = google_calendar_harness.calendar
    fake_google.faults.fail(404, method="calendar.events.list")

    with pytest.raises(WorkspaceError, match=r"calendar nope@group\.calendar\.google\.com was not"):
        calendar.list_events("nope@group.calendar.google.com", PROGRAM)


def test_listing_pages_through_more_than_one_page(google_calendar_harness, fake_google):
    calendar, calendar_id = google_calendar_harness.calendar, google_calendar_harness.calendar_id
    for number in range(2600):
        event = checkin(number)
        fake_google.calendar.add_event(
            calendar_id,
            {
                "id": event.event_id,
                "summary": event.summary,
                "start": {"dateTime": event.start.isoformat(), "timeZone": event.timezone},
                "end": {"dateTime": event.end.isoformat(), "timeZone": event.timezone},
                "extendedProperties": {
                    "private": {KEY_PROPERTY: event.key, PROGRAM_PROPERTY: PROGRAM}
                },
            },
        )

    listed = calendar.list_events(calendar_id, PROGRAM)

    assert len({event.key for event in listed}) == 2600
    assert fake_google.counts()["calendar.events.list"] == 2


def test_other_programs_and_foreign_events_are_neither_listed_nor_touched(
    google_calendar_harness, fake_google
):
    harness = google_calendar_harness
    calendar, calendar_id = harness.calendar, harness.calendar_id
    start = datetime(2027, 3, 1, 12, tzinfo=UTC)
    harness.add_foreign_event("Staff meeting", start, start + timedelta(hours=1))
    calendar.upsert(
        calendar_id, "other-program", [checkin(1)], notify_new=False, notify_changed=False
    )

    listed = calendar.list_events(calendar_id, PROGRAM)
    upsert(calendar, calendar_id, [checkin(2)])

    assert listed == []
    summaries = sorted(event["summary"] for event in harness.stored())
    assert summaries == ["Check-in: tutor 001", "Check-in: tutor 002", "Staff meeting"]


def test_free_busy_gives_the_busy_interval_of_a_person_with_an_event_and_none_otherwise(
    google_calendar_harness, fake_google
):
    harness = google_calendar_harness
    busy_from = datetime(2027, 3, 1, 15, 0, tzinfo=CHICAGO)
    harness.set_busy("teacher@school.org", busy_from, busy_from + timedelta(hours=1))

    found = harness.calendar.busy(
        ["teacher@school.org", "tutor@school.org"],
        datetime(2027, 3, 1, tzinfo=CHICAGO),
        datetime(2027, 3, 2, tzinfo=CHICAGO),
    )

    assert found == {
        "teacher@school.org": [Busy(busy_from, busy_from + timedelta(hours=1))],
        "tutor@school.org": [],
    }
    (query,) = [r for r in fake_google.requests if r.method_id == "calendar.freebusy.query"]
    assert query.body["timeZone"] == "UTC"


def test_free_busy_asks_at_most_fifty_calendars_at_a_time(google_calendar_harness, fake_google):
    emails = [f"person{n}@school.org" for n in range(120)]
    start = datetime(2027, 3, 1, tzinfo=UTC)

    found = google_calendar_harness.calendar.busy(emails, start, start + timedelta(days=7))

    assert sorted(found) == sorted(emails)
    queries = [r for r in fake_google.requests if r.method_id == "calendar.freebusy.query"]
    assert [len(r.body["items"]) for r in queries] == [50, 50, 20]


def test_free_busy_leaves_out_calendars_google_reports_errors_for(
    google_calendar_harness, session, monkeypatch
):
    harness = google_calendar_harness
    start = datetime(2027, 3, 1, tzinfo=UTC)
    harness.set_busy("seen@school.org", start + timedelta(hours=10), start + timedelta(hours=11))
    send = session.send

    def send_marking_hidden_as_not_found(request, **kwargs):
        # The fake sees every calendar; Google answers errors for one it may not see.
        response = send(request, **kwargs)
        if urlsplit(request.url).path.endswith("/freeBusy"):
            answer = response.json()
            answer["calendars"]["hidden@school.org"] = {
                "errors": [{"domain": "global", "reason": "notFound"}],
                "busy": [],
            }
            response._content = json.dumps(answer).encode()
        return response

    monkeypatch.setattr(session, "send", send_marking_hidden_as_not_found)

    found = harness.calendar.busy(
        ["seen@school.org", "hidden@school.org"], start, start + timedelta(days=1)
    )

    assert found == {
        "seen@school.org": [
            Busy(datetime(2027, 3, 1, 10, tzinfo=UTC), datetime(2027, 3, 1, 11, tzinfo=UTC))
        ]
    }


def test_an_existing_event_without_the_program_tag_is_tagged_even_if_otherwise_the_same(
    google_calendar_harness, fake_google
):
    calendar, calendar_id = google_calendar_harness.calendar, google_calendar_harness.calendar_id
    wanted = checkin(6)
    upsert(calendar, calendar_id, [wanted])
    fake_google.build("calendar").events().patch(
        calendarId=calendar_id,
        eventId=wanted.event_id,
        body={"extendedProperties": {"private": {PROGRAM_PROPERTY: "another-program"}}},
    ).execute()
    assert calendar.list_events(calendar_id, PROGRAM) == []

    upsert(calendar, calendar_id, [wanted])
    fake_google.reset_log()
    upsert(calendar, calendar_id, [wanted])

    assert calendar.list_events(calendar_id, PROGRAM) == [wanted]
    assert all(fake_google.counts()[write] == 0 for write in WRITES)


def test_patches_keep_the_answers_attendees_already_gave(google_calendar_harness, fake_google):
    calendar, calendar_id = google_calendar_harness.calendar, google_calendar_harness.calendar_id
    event = checkin(7, attendees=("teacher@school.org", "tutor@school.org"))
    upsert(calendar, calendar_id, [event])
    fake_google.build("calendar").events().patch(
        calendarId=calendar_id,
        eventId=event.event_id,
        body={
            "attendees": [
                {"email": "teacher@school.org", "responseStatus": "accepted"},
                {"email": "tutor@school.org", "responseStatus": "declined"},
            ]
        },
    ).execute()
    fake_google.reset_log()

    upsert(calendar, calendar_id, [checkin(7, attendees=event.attendees, description="Moved")])
    upsert(calendar, calendar_id, [checkin(7, attendees=("new@school.org", "teacher@school.org"))])

    first, second = [r for r in fake_google.requests if r.method_id == "calendar.events.patch"]
    assert "attendees" not in first.body  # unchanged attendees are not sent
    assert second.body["attendees"] == [
        {"email": "new@school.org"},
        {"email": "teacher@school.org", "responseStatus": "accepted"},
    ]
    (stored,) = fake_google.calendar.events(calendar_id)
    assert {a["email"]: a.get("responseStatus") for a in stored["attendees"]} == {
        "new@school.org": None,
        "teacher@school.org": "accepted",
    }


def test_a_service_account_refused_invitations_is_told_about_delegation(
    google_calendar_harness, fake_google
):
    calendar, calendar_id = google_calendar_harness.calendar, google_calendar_harness.calendar_id
    fake_google.faults.fail(
        403, method="calendar.events.insert", reason="forbiddenForServiceAccounts", times=2
    )

    with pytest.raises(WorkspaceError) as raised:
        upsert(calendar, calendar_id, [checkin(1), checkin(2)])

    message = str(raised.value)
    assert "domain-wide delegation" in message
    assert "share the calendar" not in message
    assert "'Check-in: tutor 001', 'Check-in: tutor 002'" in message


@pytest.mark.parametrize(
    "events, problem",
    [
        ([checkin(1), checkin(1, summary="again")], "written twice"),
        ([checkin(1), checkin(2, timezone="Mars/Olympus_Mons")], "not a time zone"),
        ([checkin(1), checkin(2, start=datetime(2027, 3, 1, 15))], "has no time zone"),
    ],
    ids=["duplicate-key", "unknown-zone", "naive-time"],
)
def test_events_that_cannot_be_written_are_refused_before_any_request(
    google_calendar_harness, fake_google, events, problem
):
    calendar, calendar_id = google_calendar_harness.calendar, google_calendar_harness.calendar_id

    with pytest.raises(WorkspaceError, match=problem):
        upsert(calendar, calendar_id, events)

    assert fake_google.counts() == {}
