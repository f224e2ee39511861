"""Check-in planning, pure: which events the roster and flags call for."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from jobs.model.calendar import Busy, event_id
from jobs.plan.checkins import (
    Pair,
    _until,
    occurrences,
    pairs_of,
    plan_checkins,
    series_key,
)
from jobs.settings import CheckinSettings

ZONE = ZoneInfo("America/Chicago")
AS_OF = date(2026, 10, 21)  # a Wednesday
SETTINGS = CheckinSettings(
    calendar="calendar.ics",
    cadence="every_2_weeks",
    weekday="tuesday",
    window_start="15:30",
    window_end="17:00",
    duration_minutes=30,
    start_date=date(2026, 9, 1),
    term_end=date(2026, 12, 18),
    closures=["2026-11-24..2026-11-27"],
    on_flags=["grade_drop", "no_recent_session"],
    coordinators=["Coordinator@School.example"],
)
PAIR = Pair("tutor@school.example", "teacher@school.example", (("001", "Lee, Sam"),))


def plan(pairs=(PAIR,), existing=(), flagged=None, busy=None, settings=SETTINGS, as_of=AS_OF):
    return plan_checkins(
        program="p",
        timezone="America/Chicago",
        settings=settings,
        pairs=pairs,
        flagged=flagged or {},
        existing=existing,
        busy=busy or {},
        as_of=as_of,
    )


def test_pairs_are_every_tutor_and_teacher_sharing_a_student():
    students = pd.DataFrame(
        {
            "name": ["Lee, Sam", "Kim, Jo"],
            "tutors": [("t1",), ("t1",)],
            "teachers": [("a", "b"), ("a",)],
        },
        index=["001", "002"],
    )
    found = {(p.tutor, p.teacher): p.students for p in pairs_of(students)}
    assert found == {
        ("t1", "a"): (("002", "Kim, Jo"), ("001", "Lee, Sam")),
        ("t1", "b"): (("001", "Lee, Sam"),),
    }


def test_a_pair_gets_one_series_at_the_window_start_on_the_weekday_until_term_end():
    (change,), warnings = plan()
    series = change.event
    assert change.kind == "create" and warnings == []
    assert series.start == datetime(2026, 10, 27, 15, 30, tzinfo=ZONE)
    assert series.end - series.start == timedelta(minutes=30)
    assert series.recurrence[0] == "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;UNTIL=20261219T055959Z"
    assert series.attendees == (
        "coordinator@school.example",
        "teacher@school.example",
        "tutor@school.example",
    )
    assert "Students you share:\n- Sam Lee\n" in series.description
    assert "%" not in series.description  # names only: no grades in events
    assert len(series.event_id) >= 5 and set(series.event_id) <= set(
        "0123456789abcdefghijklmnopqrstuv"
    )


def test_closures_become_exdates_and_occurrences_skip_them():
    (change,), _ = plan()
    assert change.event.recurrence[1] == "EXDATE;TZID=America/Chicago:20261124T153000"
    days = [o.date() for o in occurrences(change.event, date(2026, 10, 1), date(2027, 1, 1))]
    assert days == [date(2026, 10, 27), date(2026, 11, 10), date(2026, 12, 8)]


def test_a_dst_change_keeps_the_local_time():
    (change,), _ = plan()
    times = occurrences(change.event, date(2026, 10, 1), date(2026, 11, 20))
    assert [t.strftime("%H:%M") for t in times] == ["15:30", "15:30"]
    assert [t.utcoffset() for t in times] == [timedelta(hours=-5), timedelta(hours=-6)]


def test_the_first_slot_where_both_are_free_is_chosen_else_the_window_start_with_a_warning():
    day = date(2026, 10, 27)
    at = lambda h, m: datetime(2026, 10, 27, h, m, tzinfo=ZONE)  # noqa: E731
    busy = {
        "tutor@school.example": [Busy(at(15, 0), at(16, 0))],
        "teacher@school.example": [Busy(at(16, 0), at(16, 15))],
    }
    (change,), warnings = plan(busy=busy)
    assert change.event.start == at(16, 15) and warnings == []
    full = {"tutor@school.example": [Busy(at(15, 0), at(17, 0))]}
    (change,), warnings = plan(busy=full)
    assert change.event.start == at(15, 30) and day.isoformat() in warnings[0].problem


def test_a_rerun_with_the_events_in_place_changes_nothing():
    changes, _ = plan()
    assert plan(existing=[c.event for c in changes]) == ([], [])


@pytest.mark.parametrize(
    ("pair", "links", "said"),
    [
        (PAIR, {"folder_links": {"001": "https://drive.google.com/drive/folders/new"}}, "links"),
        (PAIR, {"folder_links": {"001": "folders/2026-27/Lee, Sam (001) renamed"}}, "links"),
        (Pair(PAIR.tutor, PAIR.teacher, (("001", "Lee, Sam"), ("002", "Kim, Jo"))), {}, "students"),
    ],
)
def test_an_update_says_whether_the_students_or_only_a_link_changed(pair, links, said):
    before = {"folder_links": {"001": "https://drive.google.com/drive/folders/old"}}
    changes, _ = plan_checkins(**{**plan_arguments(), **before})
    existing = [c.event for c in changes]

    (change,), _ = plan_checkins(
        **{**plan_arguments(), **before, **links, "pairs": (pair,), "existing": existing}
    )

    assert (change.kind, change.reason) == ("update", f"{said} changed")


def plan_arguments() -> dict:
    return {
        "program": "p",
        "timezone": "America/Chicago",
        "settings": SETTINGS,
        "pairs": (PAIR,),
        "flagged": {},
        "existing": (),
        "busy": {},
        "as_of": AS_OF,
    }


def test_a_busy_calendar_later_does_not_move_an_existing_series():
    changes, _ = plan()
    busy = {
        "tutor@school.example": [
            Busy(
                datetime(2026, 10, 27, 15, 0, tzinfo=ZONE),
                datetime(2026, 10, 27, 17, 0, tzinfo=ZONE),
            )
        ]
    }
    assert plan(existing=[c.event for c in changes], busy=busy)[0] == []


def test_reassigning_a_tutor_ends_the_old_series_and_creates_the_new_one_only():
    other = Pair("tutor@school.example", "other@school.example", (("002", "Kim, Jo"),))
    first, _ = plan(pairs=(PAIR, other))
    new_tutor = Pair("new@school.example", "teacher@school.example", PAIR.students)
    changes, _ = plan(
        pairs=(new_tutor, other), existing=[c.event for c in first], as_of=date(2026, 11, 2)
    )
    assert sorted((c.kind, c.event.key) for c in changes) == [
        ("create", series_key("p", new_tutor)),
        ("end", series_key("p", PAIR)),
    ]
    ended = next(c.event for c in changes if c.kind == "end")
    assert "UNTIL=20261103T055959Z" in ended.recurrence[0]  # the end of 2026-11-02 in Chicago
    assert ended.start == first[0].event.start  # past occurrences stay
    again, _ = plan(
        pairs=(new_tutor, other),
        existing=[
            *[c.event for c in first if c.event.key != ended.key],
            *[c.event for c in changes],
        ],
        as_of=date(2026, 11, 2),
    )
    assert again == []


def test_a_flag_adds_exactly_one_follow_up_when_the_pair_does_not_meet_soon():
    flagged = {"001": ["grade_drop"]}
    as_of = date(2026, 10, 28)  # next series day is 11-10, beyond 3 school days
    changes, _ = plan(flagged=flagged, as_of=as_of)
    followups = [c for c in changes if ":followup:" in c.event.key]
    assert len(followups) == 1
    event = followups[0].event
    assert event.summary == "Follow-up check-in about Lee, Sam" and not event.recurrence
    assert event.start == datetime(2026, 10, 29, 15, 30, tzinfo=ZONE)
    existing = [c.event for c in changes]
    assert plan(existing=existing, flagged=flagged, as_of=as_of)[0] == []
    assert plan(existing=existing, flagged=flagged, as_of=date(2026, 10, 30))[0] == []  # same week


@pytest.mark.parametrize(
    ("flags", "as_of"),
    [
        (["low_grade"], date(2026, 10, 28)),
        ([], date(2026, 10, 28)),
        (["grade_drop"], date(2026, 10, 23)),
    ],
)
def test_no_follow_up_without_a_listed_flag_or_when_the_series_meets_within_the_horizon(
    flags, as_of
):
    changes, _ = plan(flagged={"001": flags}, as_of=as_of)
    assert not [c for c in changes if ":followup:" in c.event.key]


def test_event_ids_follow_googles_rule_and_are_stable():
    assert event_id("k") == event_id("k") != event_id("k2")
    assert 5 <= len(event_id("k")) <= 1024


def test_the_next_check_in_is_the_earliest_of_the_series_and_a_follow_up():
    from jobs.plan.checkins import next_checkins

    as_of = date(2026, 10, 28)
    events = [c.event for c in plan(as_of=as_of)[0]]
    [(start, event)] = next_checkins("p", [PAIR], events, as_of).values()
    assert start == datetime(2026, 11, 3, 15, 30, tzinfo=ZONE) and event.recurrence
    with_followup = [c.event for c in plan(flagged={"001": ["grade_drop"]}, as_of=as_of)[0]]
    found = next_checkins("p", [PAIR], with_followup, as_of)
    assert found[("001", PAIR.teacher)][0] == datetime(2026, 10, 29, 15, 30, tzinfo=ZONE)
    assert next_checkins("p", [PAIR], [], as_of) == {}


def test_a_series_lists_the_goals_the_pair_shares_in_words_only():
    goals = {
        "001": (
            ("Read a chapter book on his own", None),
            ("Raise the science grade", "other.teacher@school.example"),  # not this pair's
        )
    }
    (change,), _ = plan_checkins(
        program="p",
        timezone="America/Chicago",
        settings=SETTINGS,
        pairs=(PAIR,),
        flagged={},
        existing=(),
        busy={},
        as_of=AS_OF,
        goals=goals,
    )

    description = change.event.description
    assert "Goals you share:\n- Sam Lee: Read a chapter book on his own\n" in description
    assert "science" not in description


def test_a_goal_added_changes_the_series_students_part_not_its_links():
    (created,), _ = plan()
    (change,), _ = plan_checkins(
        program="p",
        timezone="America/Chicago",
        settings=SETTINGS,
        pairs=(PAIR,),
        flagged={},
        existing=(created.event,),
        busy={},
        as_of=AS_OF,
        goals={"001": (("Read daily", None),)},
    )
    assert change.kind == "update" and change.reason == "students changed"


@pytest.mark.parametrize(
    "until", ["20270630T235959Z", "20270630", "09990101T000000Z", "20280229T120000Z"]
)
def test_a_series_end_is_read_as_strptime_reads_it(until):
    line = f"RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=TU;UNTIL={until}"
    assert _until(line) == datetime.strptime(until[:8], "%Y%m%d").date()


@pytest.mark.parametrize("until", ["20270230", "20271301", "2027 1 5", "２０２７０６３０"])
def test_a_series_end_that_is_no_day_is_an_error(until):
    with pytest.raises(ValueError):
        _until(f"RRULE:FREQ=WEEKLY;UNTIL={until}")
