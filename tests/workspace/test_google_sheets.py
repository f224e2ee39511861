"""Google-only behaviour of the Sheets adapter, on the fake."""

from datetime import date, datetime

from fake_google import Formula


def test_a_source_reads_the_same_from_its_state_read_as_from_values_batch_get(google_harness):
    grid = [
        ["Student ID", "Due", "Score", "Total", "Late", "Note"],
        ["00123", date(2026, 3, 1), 17, Formula("=C2*2", 34), True, "=not a formula"],
        ["00124", datetime(2026, 3, 2, 14, 30), "EX", Formula("=1/0", None), False, None],
    ]
    reference = google_harness.seed("gradebook", {"Grades": grid})
    spreadsheets = google_harness.workspace.spreadsheets

    by_batch_get = spreadsheets.read_tabs(reference, ["Grades"])
    spreadsheets.read_state(reference)
    from_state = spreadsheets.read_tabs(reference, ["Grades"])

    assert from_state == by_batch_get
    assert from_state["Grades"][1][:5] == ["00123", 46082, 17, 34, True]


def test_a_filter_view_for_text_that_starts_like_a_formula_filters_by_that_text(
    google_harness, fake_google
):
    from jobs.workspace.google.sheets import spreadsheet_id
    from sheets_schema.cells import FilterView, TabWrite

    reference = google_harness.seed("coordinator", {"Notes": [["kept"]]})
    teacher = "=ops+x@school.example"  # a valid address, and a formula to Sheets' parser
    tab = TabWrite(
        key="tutorsync:t:summary",
        title="Progress summary",
        header=("Teachers",),
        rows=((teacher,),),
        filter_views=(FilterView(f"Students of {teacher}", 0, teacher),),
    )
    google_harness.workspace.spreadsheets.write_owned_tabs(reference, [tab])

    stored = fake_google.sheets.spreadsheet(spreadsheet_id(reference))
    [view] = [view for sheet in stored["sheets"] for view in sheet.get("filterViews", [])]
    [spec] = view["filterSpecs"]
    [value] = spec["filterCriteria"]["condition"]["values"]
    assert value["userEnteredValue"] == '="=ops+x@school.example"'


def test_a_sparkline_parses_in_a_comma_decimal_locale_and_reads_back_unchanged(
    google_harness, fake_google
):
    """In a de_DE spreadsheet `{62,70.5}` is a parse error (#ERROR!), and the read-back would
    differ and rewrite the tab every run. Whole numbers in rows (`;`) parse in every locale."""
    from jobs.plan.tabs import plan_writes
    from jobs.workspace.google.sheets import spreadsheet_id
    from sheets_schema.cells import ColumnFormat, Sparkline, TabWrite

    reference = google_harness.seed("coordinator", {"Notes": [["kept"]]})
    fake_google.sheets.set_locale(spreadsheet_id(reference), "de_DE")
    tab = TabWrite(
        key="k",
        title="Progress",
        header=("Student ID", "Trend"),
        rows=(("S1", Sparkline((62.0, 70.0, 91.0))),),
        column_formats=(ColumnFormat.TEXT, ColumnFormat.SPARKLINE),
    )
    spreadsheets = google_harness.workspace.spreadsheets
    spreadsheets.write_owned_tabs(reference, [tab])

    cells = fake_google.sheets.cells(spreadsheet_id(reference), "Progress")
    assert not any("errorValue" in cell.get("effectiveValue", {}) for row in cells for cell in row)
    state = spreadsheets.read_state(reference)
    assert state.owned["k"].grid[1] == ["S1", Sparkline((62.0, 70.0, 91.0))]
    assert plan_writes([(reference, tab, "why")], {reference: state}) == []
