"""Charts a tab asks for, drawn by every adapter: written with their tab in place of the
charts tutorsync drew there before, so reruns never add one, and an educator's own chart on an
owned tab left where it is. Charts are read back as each spreadsheet stores them
(conftest.py's chart harnesses)."""

from __future__ import annotations

from sheets_schema.cells import Chart, TabWrite

KEY = "tutorsync:test:overview"
HEADER = ("Week", "Met (%)", "Attendance (%)", "Act now")
DOSAGE = Chart("Dosage and attendance", 0, (1, 2), 3, anchor_row=0, anchor_column=5)
ACTION = Chart("Act now, week by week", 0, (3,), 3, anchor_row=20, anchor_column=5)


def weekly(act_now: int = 2, *, charts: tuple[Chart, ...] = (DOSAGE, ACTION)) -> TabWrite:
    return TabWrite(
        key=KEY,
        title="Overview",
        header=HEADER,
        rows=(
            ("2026-W45", 60, 80, 4),
            ("2026-W46", 70, 85, 3),
            ("2026-W47 (so far)", 75, 90, act_now),
            ("Last updated 2026-11-20",),
        ),
        footer_rows=1,
        charts=charts,
    )


def test_a_tab_written_five_times_with_changes_between_holds_its_two_charts(chart_harness):
    reference = chart_harness.new_reference("charts")
    spreadsheets = chart_harness.workspace.spreadsheets

    for act_now in (2, 5, 1, 0, 7):
        spreadsheets.write_owned_tabs(reference, [weekly(act_now)])

    assert chart_harness.drawn(reference, "Overview") == [DOSAGE, ACTION]
    assert spreadsheets.read_state(reference).owned[KEY].grid == weekly(7).grid()
    chart_harness.check_package(reference)


def test_a_tab_written_without_charts_after_having_them_has_none(chart_harness):
    reference = chart_harness.new_reference("charts")
    spreadsheets = chart_harness.workspace.spreadsheets
    spreadsheets.write_owned_tabs(reference, [weekly()])

    spreadsheets.write_owned_tabs(reference, [weekly(3, charts=())])

    assert chart_harness.drawn(reference, "Overview") == []
    chart_harness.check_package(reference)


def test_charts_of_two_tabs_in_one_write_each_stay_on_their_tab(chart_harness):
    reference = chart_harness.new_reference("charts")
    spreadsheets = chart_harness.workspace.spreadsheets
    other = TabWrite(
        key="tutorsync:test:other",
        title="Other",
        header=HEADER,
        rows=((("2026-W46", 1, 2, 3)), ("2026-W47", 4, 5, 6)),
        charts=(Chart("Other", 0, (1,), 2, anchor_row=2, anchor_column=4),),
    )

    for act_now in (2, 3):
        spreadsheets.write_owned_tabs(reference, [weekly(act_now), other])

    assert chart_harness.drawn(reference, "Overview") == [DOSAGE, ACTION]
    assert chart_harness.drawn(reference, "Other") == list(other.charts)
    chart_harness.check_package(reference)


def test_an_educators_own_chart_on_an_owned_tab_stays(chart_harness):
    reference = chart_harness.new_reference("charts")
    spreadsheets = chart_harness.workspace.spreadsheets
    spreadsheets.write_owned_tabs(reference, [weekly()])
    theirs = Chart("Mine", 0, (3,), 3, anchor_row=5, anchor_column=0)
    chart_harness.add_educator_chart(reference, "Overview", theirs)

    for act_now in (5, 6):
        spreadsheets.write_owned_tabs(reference, [weekly(act_now)])

    # In any order: a drawing lists objects anchored to one cell and to two apart.
    assert sorted(chart_harness.drawn(reference, "Overview"), key=str) == sorted(
        [theirs, DOSAGE, ACTION], key=str
    )
    chart_harness.check_package(reference)
