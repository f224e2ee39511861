"""A new tab's changed cells, counted without its grid, are the grid's count."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from jobs.plan.tabs import UPDATED_PREFIX, _cells_of_new_tab, _without_updated_line, cells_changed
from sheets_schema.cells import CellValue, Link, Sparkline, TabWrite

cells: st.SearchStrategy[CellValue] = st.one_of(
    st.none(),
    st.sampled_from(["", "\r", "\r\n", "a\rb", "\x00", UPDATED_PREFIX, f"{UPDATED_PREFIX}now"]),
    st.text(max_size=4),
    st.integers(-2, 2),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.just(date(2026, 3, 20)),
    st.builds(Link, st.text(max_size=2), st.text(max_size=2)),
    st.builds(Sparkline, st.tuples() | st.tuples(st.floats(0, 100))),
)
rows = st.lists(st.lists(cells, max_size=5).map(tuple), max_size=6).map(tuple)


@given(header=st.lists(st.text(max_size=3), max_size=4).map(tuple), rows=rows)
def test_new_tab_count_is_the_grids(header: tuple[str, ...], rows: tuple) -> None:
    tab = TabWrite(key="k", title="t", header=header, rows=rows)
    assert _cells_of_new_tab(tab) == cells_changed([], _without_updated_line(tab.grid()))
