"""The grade-trend sparkline: a formula on Google, block characters elsewhere."""


def test_a_sparkline_is_written_as_the_one_formula_and_read_back_as_itself():
    from jobs.workspace.google.sheets import _cell, _value_of
    from sheets_schema.cells import ColumnFormat, Sparkline

    written = _cell(Sparkline((62.0, 70.0, 91.0)), ColumnFormat.SPARKLINE, None, False)
    assert written["userEnteredValue"] == {"formulaValue": "=SPARKLINE({62;70;91})"}
    assert _value_of(written) == Sparkline((62.0, 70.0, 91.0))
    # As earlier versions wrote it, and as a comma-decimal locale shows that.
    for earlier in ("=SPARKLINE({62,70.5})", "=SPARKLINE({62\\70,5})"):
        assert _value_of({"userEnteredValue": {"formulaValue": earlier}}) == Sparkline((62, 70.5))
    # An educator's formula, even a sparkline over a range, stays their text.
    typed = {"userEnteredValue": {"formulaValue": "=SPARKLINE(A1:A9)"}}
    assert _value_of(typed) == "=SPARKLINE(A1:A9)"


def test_a_sparkline_elsewhere_is_block_characters_from_low_to_high():
    from sheets_schema.cells import Sparkline

    assert Sparkline((0.0, 50.0, 100.0)).text == "▁▅█"
