"""Check-ins end to end on the demo program: local .ics file, through the CLI."""

from icalendar import Calendar as ICalendar

from jobs.settings import load
from jobs.workspace.local.calendar import delete_event
from jobs.workspace.local.workspace import LocalWorkspace


def test_run_writes_one_series_per_pair_and_a_rerun_changes_nothing(demo, tutorsync):
    reports = tutorsync.json("checkins")
    assert reports["ok"] and reports["changes"] > 0
    settings = load(demo / "tutorsync.toml")
    events = LocalWorkspace(demo).calendar.list_events("calendar.ics", settings.program.key)
    series = [e for e in events if ":checkin:" in e.key]
    assert len(series) == len({(e.key) for e in series}) >= 4
    assert all(e.recurrence[0].startswith("RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TU") for e in series)
    assert all(e.start.strftime("%H:%M") >= "15:30" for e in series)
    before = (demo / "calendar.ics").read_bytes()
    again = tutorsync.json("checkins")
    assert again["changes"] == 0 and again["events"] == []
    assert (demo / "calendar.ics").read_bytes() == before


def test_the_ics_file_parses_and_carries_no_grades(demo, tutorsync):
    tutorsync("run")
    calendar = ICalendar.from_ical((demo / "calendar.ics").read_bytes())
    events = list(calendar.walk("VEVENT"))
    assert events
    for event in events:
        assert event.get("UID") and event.get("DTSTART") and event.get("DTSTAMP")
        text = f"{event.get('SUMMARY')} {event.get('DESCRIPTION')}".lower()
        # No figures, flags or notes: flag sentences say "grade is", "fell", "attended", "%".
        assert not any(word in text for word in ("%", "grade is", "fell", "attended", "missing"))
        # Goals in their own words, never their progress ("→", "to go", "off pace").
        assert not any(word in text for word in ("→", "to go", "off pace", "past its date"))
    described = " ".join(str(event.get("DESCRIPTION")) for event in events)
    assert "Goals you share:" in described and "Raise the math grade" in described


def test_dry_run_lists_events_and_writes_no_calendar(demo, tutorsync):
    result = tutorsync("checkins", "--dry-run")
    assert "would create 'Tutor-teacher check-in:" in result.output
    assert not (demo / "calendar.ics").exists()


def test_reassigning_a_tutor_changes_only_the_series_of_the_two_pairs_involved(demo, tutorsync):
    import openpyxl

    tutorsync("checkins")
    book = openpyxl.load_workbook(demo / "roster.xlsx")
    sheet = book["Roster"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value)
    teacher = row[header.index("Teacher Email")].value
    old_tutor = row[header.index("Tutor Email")].value
    row[header.index("Tutor Email")].value = "tutor.new@riverbend.example"
    book.save(demo / "roster.xlsx")

    report = tutorsync.json("checkins")
    touched = {
        (e["change"], e["summary"]) for e in report["events"] if "Follow-up" not in e["summary"]
    }
    assert (
        "create",
        f"Tutor-teacher check-in: tutor.new@riverbend.example and {teacher}",
    ) in touched
    assert {summary for _, summary in touched} <= {
        f"Tutor-teacher check-in: tutor.new@riverbend.example and {teacher}",
        f"Tutor-teacher check-in: {old_tutor} and {teacher}",
    }
    assert tutorsync.json("checkins")["changes"] == 0


def test_a_check_in_a_person_deleted_from_the_ics_file_is_made_again_once(demo, tutorsync):
    tutorsync("checkins")
    path = demo / "calendar.ics"
    vevents = ICalendar.from_ical(path.read_bytes()).walk("VEVENT")
    gone = next(str(c["X-TUTORSYNC-KEY"]) for c in vevents if ":checkin:" in c["X-TUTORSYNC-KEY"])
    delete_event(path, gone)  # as a calendar program deletes it

    report = tutorsync.json("checkins")

    assert report["ok"] and report["changes"] == 1
    keys = [str(c.get("X-TUTORSYNC-KEY")) for c in ICalendar.from_ical(path.read_bytes()).walk()]
    assert keys.count(gone) == 1
    before = path.read_bytes()
    again = tutorsync.json("checkins")
    assert again["changes"] == 0 and path.read_bytes() == before
