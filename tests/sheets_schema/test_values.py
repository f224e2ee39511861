"""Cell values as educators type them: every documented spelling, every refusal, and properties."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheets_schema import values
from sheets_schema.values import (
    Attendance,
    Invalid,
    Score,
    ScoreKind,
    display_name,
    is_blank,
    normalise_name,
    parse_attendance,
    parse_date,
    parse_email,
    parse_minutes,
    parse_number,
    parse_score,
    parse_student_id,
    parse_yes_no,
    split_name,
)

JAN_5 = date(2026, 1, 5)
SERIAL_EPOCH = date(1899, 12, 30)
MONTH_ABBREVIATIONS = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip

# Words that would show an educator a program, not a sentence about their cell.
_PROGRAM_WORDS = re.compile(r"\b(None|nan|inf|Invalid|Error|Exception|Traceback|str|float|int)\b")


def assert_plain_invalid(result: object) -> Invalid:
    """The result is an Invalid whose two parts read as plain words for an educator."""
    assert isinstance(result, Invalid)
    assert result.what.startswith("is "), result.what  # completes "Minutes '...' is ..."
    assert len(result.fix.split()) >= 3, result.fix
    for text in result:
        assert not _PROGRAM_WORDS.search(text), text
        assert text == text.strip() and not text.endswith(".")  # the sentence adds the stop
    return result


# ---------------------------------------------------------------------------------------------
# Blank cells


@pytest.mark.parametrize("value", [None, "", " ", "\t\n", "\xa0 "])
def test_blank_cells_are_none_empty_or_whitespace(value: object) -> None:
    assert is_blank(value)


@pytest.mark.parametrize("value", [0, 0.0, False, "0", "-", "'", math.nan, JAN_5, time(0, 0)])
def test_zero_false_and_marks_are_not_blank(value: object) -> None:
    assert not is_blank(value)


@pytest.mark.parametrize(
    "parser",
    [
        parse_date,
        parse_minutes,
        parse_attendance,
        parse_yes_no,
        parse_score,
        parse_student_id,
        parse_email,
        parse_number,
    ],
)
@pytest.mark.parametrize("value", [None, "", "   ", "\n"])
def test_every_parser_reads_a_blank_cell_as_none(parser, value: object) -> None:
    assert parser(value) is None


# ---------------------------------------------------------------------------------------------
# Dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-05", JAN_5),
        ("  2026-01-05  ", JAN_5),
        ("2026-1-5", JAN_5),
        ("2026-01-05T14:32:00", JAN_5),
        ("2026-01-05 14:32:11", JAN_5),
        ("2026-01-05T14:32:00Z", JAN_5),
        ("1/5/2026", JAN_5),
        ("01/05/2026", JAN_5),
        ("1/5/26", JAN_5),
        ("1-5-2026", JAN_5),
        ("1.5.2026", JAN_5),
        ("1/5/2026 14:32:11", JAN_5),
        ("1/5/2026 2:32:11 PM", JAN_5),
        ("1/5/2026 2:32 am", JAN_5),
        ("Jan 5, 2026", JAN_5),
        ("January 5 2026", JAN_5),
        ("5 Jan 2026", JAN_5),
        ("5 January, 2026", JAN_5),
        ("Mon, Jan 5, 2026", JAN_5),
        ("Monday, January 5, 2026", JAN_5),
        ("JAN 5, 2026", JAN_5),
        ("jan 5, 2026", JAN_5),
        ("Jan. 5, 2026", JAN_5),
        ("Jan 5th, 2026", JAN_5),
        ("5-Jan-2026", JAN_5),
        ("Sept 14, 2026", date(2026, 9, 14)),
        ("Sep 14, 2026", date(2026, 9, 14)),
        ("14 September 2026", date(2026, 9, 14)),
        ("46027", JAN_5),
        ("46027.75", JAN_5),
    ],
)
def test_date_text_in_every_documented_spelling(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5/1/2026", JAN_5),
        ("05.01.2026", JAN_5),
        ("5-1-26", JAN_5),
        ("5/1/2026 14:32:11", JAN_5),
        ("2026-01-05", JAN_5),  # ISO is year-month-day whatever the sheet's order
        ("5 Jan 2026", JAN_5),
        ("Jan 5, 2026", JAN_5),
    ],
)
def test_date_day_first_reads_numeric_dates_as_day_month_year(text: str, expected: date) -> None:
    assert parse_date(text, day_first=True) == expected


def test_date_ambiguous_order_is_decided_by_day_first_only() -> None:
    assert parse_date("3/4/2026") == date(2026, 3, 4)
    assert parse_date("3/4/2026", day_first=True) == date(2026, 4, 3)
    # No guessing: a month of 13 under month/day/year is an error, not a swap.
    assert_plain_invalid(parse_date("13/4/2026"))
    assert parse_date("13/4/2026", day_first=True) == date(2026, 4, 13)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (JAN_5, JAN_5),
        (datetime(2026, 1, 5, 14, 32, 11), JAN_5),
        (datetime(2026, 1, 5), JAN_5),
    ],
)
def test_date_cells_give_their_date(cell: object, expected: date) -> None:
    assert parse_date(cell) == expected


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        (46027, JAN_5),
        (46027.0, JAN_5),
        (46027.999, JAN_5),  # a time of day; the date part counts
        ("46027", JAN_5),
        (20000, SERIAL_EPOCH + timedelta(days=20000)),
        (80000, SERIAL_EPOCH + timedelta(days=80000)),
    ],
)
def test_date_serial_numbers_count_days_from_1899_12_30(serial: object, expected: date) -> None:
    assert parse_date(serial) == expected


@pytest.mark.parametrize(
    "number",
    [0, 1, 17, 19999, 80001, -46027, 1e12, 10**400, "19999", "80001", "20260105", "17"],
)
def test_date_numbers_outside_the_serial_range_are_not_dates(number: object) -> None:
    assert assert_plain_invalid(parse_date(number)).what == "is a number, not a date"


@pytest.mark.parametrize(
    ("text", "day_first"),
    [
        ("2/30/2026", False),
        ("2/29/2025", False),
        ("2026-02-30", False),
        ("2026-13-01", False),
        ("4/31/2026", False),
        ("31/4/2026", True),
        ("0/5/2026", False),
        ("Feb 30, 2026", False),
        ("30 Feb 2026", False),
        ("0000-01-05", False),
    ],
)
def test_date_impossible_calendar_days_are_invalid(text: str, day_first: bool) -> None:
    invalid = assert_plain_invalid(parse_date(text, day_first=day_first))
    assert invalid.what == "is not a real date on the calendar"
    assert ("day/month/year" if day_first else "month/day/year") in invalid.fix


@pytest.mark.parametrize(
    "value",
    [
        True,
        False,
        time(14, 30),
        timedelta(days=1),
        math.nan,
        math.inf,
        -math.inf,
        "tomorrow",
        "Jan 5",
        "5/1",
        "2026",
        "1/5/202",
        "1/5-2026",
        "Funday, Jan 5, 2026",
        "2026-01-05 garbage",
        "nan",
        [2026, 1, 5],
    ],
)
def test_date_anything_else_is_invalid_with_examples(value: object) -> None:
    invalid = assert_plain_invalid(parse_date(value))
    assert "2026-01-05" in invalid.fix


def test_date_yes_no_and_times_are_called_what_they_are() -> None:
    assert assert_plain_invalid(parse_date(True)).what == "is yes/no, not a date"
    assert assert_plain_invalid(parse_date(time(9, 0))).what == "is a time of day, not a date"


def test_date_fix_shows_the_sheets_own_order() -> None:
    assert "1/5/2026" in assert_plain_invalid(parse_date("soon")).fix
    assert "5/1/2026" in assert_plain_invalid(parse_date("soon", day_first=True)).fix


def test_date_two_digit_years_are_in_the_2000s() -> None:
    assert parse_date("1/5/99") == date(2099, 1, 5)
    assert parse_date("1/5/00") == date(2000, 1, 5)


def test_date_text_repeated_across_rows_is_parsed_once() -> None:
    values._parse_date_text.cache_clear()
    for _ in range(1000):
        parse_date("Mar 3, 2026")
    info = values._parse_date_text.cache_info()
    assert (info.misses, info.hits) == (1, 999)


# ---------------------------------------------------------------------------------------------
# Minutes


@pytest.mark.parametrize(
    ("value", "minutes"),
    [
        (45, 45.0),
        (45.5, 45.5),
        (0, 0.0),
        (0.0, 0.0),
        (600, 600.0),
        ("45", 45.0),
        ("45.5", 45.5),
        ("0", 0.0),
        ("45 min", 45.0),
        ("45 mins", 45.0),
        ("45 minutes", 45.0),
        ("45m", 45.0),
        ("45min", 45.0),
        ("1h", 60.0),
        ("1 hr", 60.0),
        ("2 hrs", 120.0),
        ("1 hour", 60.0),
        ("1.5 hours", 90.0),
        ("0.75 h", 45.0),
        ("1h 15m", 75.0),
        ("1 hr 15 min", 75.0),
        ("1 hour 15 minutes", 75.0),
        ("1h15", 75.0),
        ("1 h, 15 m", 75.0),
        ("10 hours", 600.0),
    ],
)
def test_minutes_in_every_documented_spelling(value: object, minutes: float) -> None:
    assert parse_minutes(value) == minutes


@pytest.mark.parametrize("text", ["45 MIN", "  45   Minutes ", "1H 15M", "1 HR 15 MIN", "1H15"])
def test_minutes_ignore_case_and_spaces(text: str) -> None:
    assert parse_minutes(text) in (45.0, 75.0)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("1:15", 75.0), ("0:45", 45.0), ("2:00", 120.0), ("1:15:00", 75.0), ("0:45:30", 45.5)],
)
def test_minutes_clock_format_is_hours_and_minutes(text: str, minutes: float) -> None:
    assert parse_minutes(text) == minutes


@pytest.mark.parametrize(
    ("cell", "minutes"),
    [
        (time(1, 15), 75.0),
        (time(0, 45), 45.0),
        (time(0, 45, 30), 45.5),
        (timedelta(minutes=90), 90.0),
        (timedelta(hours=1, seconds=30), 60.5),
    ],
)
def test_minutes_time_and_timedelta_cells_are_durations(cell: object, minutes: float) -> None:
    assert parse_minutes(cell) == minutes


@pytest.mark.parametrize("value", [-1, -0.5, "-45", "-1:15", "- 45 min", timedelta(minutes=-5)])
def test_minutes_negative_lengths_are_invalid(value: object) -> None:
    assert "negative" in assert_plain_invalid(parse_minutes(value)).what


@pytest.mark.parametrize("value", [601, 600.5, "601", "10:01", "11 hours", "14:30", time(14, 30)])
def test_minutes_over_ten_hours_are_invalid(value: object) -> None:
    assert "more than 10 hours" in assert_plain_invalid(parse_minutes(value)).what


@pytest.mark.parametrize(
    "value",
    [
        math.nan,
        math.inf,
        -math.inf,
        "nan",
        "inf",
        True,
        False,
        "abc",
        "45-60",
        "about 45",
        "1:75",
        "1:15:75",
        "h",
        "min",
        "45 secs",
        JAN_5,
        datetime(2026, 1, 5, 1, 15),
        10**400,
    ],
)
def test_minutes_that_are_not_a_length_are_invalid(value: object) -> None:
    invalid = assert_plain_invalid(parse_minutes(value))
    assert "1:15" in invalid.fix


# ---------------------------------------------------------------------------------------------
# Attendance

ACCEPTED_ATTENDANCE = {
    Attendance.ATTENDED: [
        "present", "p", "attended", "yes", "y", "here", "tardy", "late", "true", "x", "✓", "✔",
        "showed up", "on time",
    ],
    Attendance.ABSENT: [
        "absent", "a", "no", "n", "false", "excused", "excused absence", "student absent",
        "absent excused", "unexcused",
    ],
    Attendance.NO_SHOW: [
        "no show", "no-show", "noshow", "ns", "did not show", "didn't show", "dns",
    ],
    Attendance.CANCELLED: [
        "cancelled", "canceled", "c", "cx", "tutor cancelled", "cancelled by tutor",
        "school cancelled", "cancelled by school", "student cancelled", "session cancelled",
        "rescheduled",
    ],
}  # fmt: skip
ATTENDANCE_CASES = [
    (word, status) for status, words in ACCEPTED_ATTENDANCE.items() for word in words
]


@pytest.mark.parametrize(("word", "status"), ATTENDANCE_CASES)
def test_attendance_every_accepted_word_gives_its_status(word: str, status: Attendance) -> None:
    assert parse_attendance(word) is status


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Present", Attendance.ATTENDED),
        ("  PRESENT  ", Attendance.ATTENDED),
        ("Showed Up!", Attendance.ATTENDED),
        ("X", Attendance.ATTENDED),
        ("No-Show", Attendance.NO_SHOW),
        ("NO SHOW", Attendance.NO_SHOW),
        ("No_Show", Attendance.NO_SHOW),
        ("Didn’t show", Attendance.NO_SHOW),  # a phone's curly apostrophe
        ("Cancelled by Tutor", Attendance.CANCELLED),
        ("Cancelled - by school", Attendance.CANCELLED),
        ("Absent (excused)", Attendance.ABSENT),
        ("C.X.", Attendance.CANCELLED),
    ],
)
def test_attendance_ignores_case_spaces_and_punctuation(text: str, status: Attendance) -> None:
    assert parse_attendance(text) is status


def test_attendance_checkbox_true_attended_false_absent() -> None:
    assert parse_attendance(True) is Attendance.ATTENDED
    assert parse_attendance(False) is Attendance.ABSENT


def test_attendance_values_are_the_four_documented_words() -> None:
    assert [status.value for status in Attendance] == ["attended", "absent", "no-show", "cancelled"]


@pytest.mark.parametrize(
    "value", ["maybe", "sick", "presnt", "1", 1, 0, 0.5, "NA", "?", JAN_5, math.nan]
)
def test_attendance_unknown_words_are_invalid_and_the_fix_lists_the_words(value: object) -> None:
    invalid = assert_plain_invalid(parse_attendance(value))
    assert invalid.what == "is not an attendance value"
    for word in ("Present", "Absent", "No show", "Cancelled"):
        assert word in invalid.fix


# ---------------------------------------------------------------------------------------------
# Yes/no


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("yes", True),
        ("Yes", True),
        (" YES ", True),
        ("y", True),
        ("true", True),
        ("TRUE", True),
        ("x", True),
        ("X", True),
        ("✓", True),
        ("✔", True),
        ("1", True),
        (1, True),
        (1.0, True),
        (True, True),
        ("no", False),
        ("No", False),
        ("n", False),
        ("false", False),
        ("FALSE", False),
        ("0", False),
        (0, False),
        (0.0, False),
        (False, False),
    ],
)
def test_yes_no_words_numbers_and_checkboxes(value: object, expected: bool) -> None:
    assert parse_yes_no(value) is expected


@pytest.mark.parametrize("value", ["maybe", "2", 2, 0.5, -1, "yess", "?", math.nan, JAN_5])
def test_yes_no_anything_else_is_invalid(value: object) -> None:
    invalid = assert_plain_invalid(parse_yes_no(value))
    assert "Yes" in invalid.fix and "No" in invalid.fix


# ---------------------------------------------------------------------------------------------
# Scores

SCORE_FIX = (
    "type points (17), a percentage (85%), a fraction (17/20), EX for excused or M for missing"
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (17, Score(ScoreKind.POINTS, 17.0)),
        (17.5, Score(ScoreKind.POINTS, 17.5)),
        (0, Score(ScoreKind.POINTS, 0.0)),
        ("17", Score(ScoreKind.POINTS, 17.0)),
        ("17.5", Score(ScoreKind.POINTS, 17.5)),
        (" 17 ", Score(ScoreKind.POINTS, 17.0)),
        ("85%", Score(ScoreKind.PERCENT, 85.0)),
        ("85 %", Score(ScoreKind.PERCENT, 85.0)),
        ("110%", Score(ScoreKind.PERCENT, 110.0)),  # extra credit is allowed
        ("17/20", Score(ScoreKind.FRACTION, 17.0, 20.0)),
        ("17 / 20", Score(ScoreKind.FRACTION, 17.0, 20.0)),
        ("21/20", Score(ScoreKind.FRACTION, 21.0, 20.0)),
        ("EX", Score(ScoreKind.EXCUSED)),
        ("Ex", Score(ScoreKind.EXCUSED)),
        ("excused", Score(ScoreKind.EXCUSED)),
        ("Exempt", Score(ScoreKind.EXCUSED)),
        ("M", Score(ScoreKind.MISSING)),
        ("Missing", Score(ScoreKind.MISSING)),
        ("missing", Score(ScoreKind.MISSING)),
        ("not submitted", Score(ScoreKind.MISSING)),
        ("Not  Submitted", Score(ScoreKind.MISSING)),
    ],
)
def test_score_in_every_documented_form(value: object, expected: Score) -> None:
    assert parse_score(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("17,5", Score(ScoreKind.POINTS, 17.5)),
        ("17,25", Score(ScoreKind.POINTS, 17.25)),
        ("85,5%", Score(ScoreKind.PERCENT, 85.5)),
        ("17,5/20", Score(ScoreKind.FRACTION, 17.5, 20.0)),
    ],
)
def test_score_decimal_comma_with_one_or_two_digits_is_a_decimal(
    text: str, expected: Score
) -> None:
    assert parse_score(text) == expected


@pytest.mark.parametrize("text", ["1,200", "17,", ",5", "17,5,0"])
def test_score_comma_that_could_be_a_thousands_separator_is_invalid(text: str) -> None:
    assert assert_plain_invalid(parse_score(text)).fix == SCORE_FIX


@pytest.mark.parametrize("value", [-3, -0.5, "-3", "-5%", "-17/20"])
def test_score_negative_is_invalid(value: object) -> None:
    assert "negative" in assert_plain_invalid(parse_score(value)).what


@pytest.mark.parametrize("text", ["17/0", "17/0.0", "0/0"])
def test_score_fraction_out_of_zero_is_invalid(text: str) -> None:
    assert "out of 0" in assert_plain_invalid(parse_score(text)).what


@pytest.mark.parametrize(
    "value",
    [
        "NS",  # not submitted or no score? ambiguous, so it is refused
        "A+",
        "abc",
        "17/20/2026",
        "17/-20",
        "+17",
        "nan",
        "inf",
        math.nan,
        math.inf,
        True,
        False,
        JAN_5,
        10**400,
        "9" * 400,
    ],
)
def test_score_anything_else_is_invalid_with_the_documented_fix(value: object) -> None:
    assert assert_plain_invalid(parse_score(value)).fix == SCORE_FIX


# ---------------------------------------------------------------------------------------------
# Student IDs


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("00123", "00123"),
        ("  00123 ", "00123"),
        ("'00123", "00123"),  # Sheets' text marker
        ("S-00123", "S-00123"),
        ("AB 123", "AB 123"),  # inner spaces are kept
        ("123.0", "123.0"),  # text stays exactly as typed
        (123, "123"),
        (0, "0"),
        (123.0, "123"),
        (20260105.0, "20260105"),
    ],
)
def test_student_id_is_text_as_typed(value: object, expected: str) -> None:
    assert parse_student_id(value) == expected


@pytest.mark.parametrize(
    "value", [123.5, True, False, math.nan, math.inf, 1e20, JAN_5, time(1, 0), "'", " ' "]
)
def test_student_id_that_cannot_be_an_id_is_invalid(value: object) -> None:
    assert_plain_invalid(parse_student_id(value))


def test_student_id_number_with_a_fraction_says_so() -> None:
    assert "whole number" in assert_plain_invalid(parse_student_id(123.5)).what


# ---------------------------------------------------------------------------------------------
# E-mails


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jane@school.org", "jane@school.org"),
        ("  Jane.Doe@School.ORG ", "jane.doe@school.org"),
        ("Jane Doe <Jane@School.org>", "jane@school.org"),
        ('"Doe, Jane" <jane@school.org>', "jane@school.org"),
        ("mailto:jane@school.org", "jane@school.org"),
        ("MAILTO:Jane@School.org", "jane@school.org"),
        ("a.b+tutor@mail.district.k12.us", "a.b+tutor@mail.district.k12.us"),
        ("o'brien@school.org", "o'brien@school.org"),
    ],
)
def test_email_is_trimmed_lowercased_and_unwrapped(text: str, expected: str) -> None:
    assert parse_email(text) == expected


@pytest.mark.parametrize(
    "value",
    [
        "jane",
        "jane@school",
        "jane@@school.org",
        "jane doe@school.org",
        "@school.org",
        "jane@.org",
        "jane@school.org.",
        "jane@school.o",
        "Jane <>",
        "mailto:",
        "jane@school.org, bob@school.org",
        123,
        True,
        JAN_5,
    ],
)
def test_email_without_the_local_at_domain_shape_is_invalid(value: object) -> None:
    invalid = assert_plain_invalid(parse_email(value))
    assert "name@school.org" in invalid.fix


# ---------------------------------------------------------------------------------------------
# Names


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Jose Avila", "jose avila"),
        ("jose  AVILA", "jose avila"),
        ("Ávila, José", "jose avila"),
        ("O'Brien", "obrien"),
        ("Sinéad O’Brien", "sinead obrien"),
        ("Anne-Marie Smith", "annemarie smith"),
        ("Garcia Lopez, Maria Jose", "maria jose garcia lopez"),
        ("Müller, Jürgen", "jurgen muller"),
        ("Straße", "strasse"),
        ("  Smith ,  John  ", "john smith"),
        ("Smith,", "smith"),
        ("Smith, J.", "j smith"),
        ("Nguyễn Văn An", "nguyen van an"),
        ("Student 2", "student 2"),
        ("", ""),
        ("  ", ""),
        (",", ""),
    ],
)
def test_normalise_name_is_a_matching_key(text: str, key: str) -> None:
    assert normalise_name(text) == key


def test_normalise_name_matches_last_first_with_first_last_despite_accents_and_case() -> None:
    assert normalise_name("Ávila, José") == normalise_name("jose  AVILA")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Avila, Jose", ("Jose", "Avila")),
        ("  Avila ,  Jose  ", ("Jose", "Avila")),
        ("Garcia Lopez, Maria Jose", ("Maria Jose", "Garcia Lopez")),
        ("Jose Avila", ("Jose", "Avila")),
        ("Maria Jose Garcia", ("Maria Jose", "Garcia")),
        ("  maria   GARCIA ", ("maria", "GARCIA")),
        ("Cher", ("Cher", "")),
        ("", ("", "")),
        ("Smith,", ("", "Smith")),
    ],
)
def test_split_name_gives_first_and_last_as_typed(text: str, expected: tuple[str, str]) -> None:
    assert split_name(text) == expected


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("Jose", "Avila", "Avila, Jose"),
        (" Jose ", " Avila ", "Avila, Jose"),
        ("Cher", "", "Cher"),
        ("", "Avila", "Avila"),
        ("", "", ""),
    ],
)
def test_display_name_is_last_comma_first(first: str, last: str, expected: str) -> None:
    assert display_name(first, last) == expected


# ---------------------------------------------------------------------------------------------
# Plain numbers


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (212, 212.0),
        (212.5, 212.5),
        ("212", 212.0),
        (" 212 ", 212.0),
        ("-3", -3.0),
        ("- 3", -3.0),
        ("+4", 4.0),
        (".5", 0.5),
        ("17,5", 17.5),  # a European decimal comma
        ("1,200", 1200.0),  # three digits after a comma: thousands, never 1.2
        ("1,234.5", 1234.5),
        ("12,345,678", 12345678.0),
        ("1.234,5", 1234.5),  # dots for thousands, with a decimal comma
        ("1.234", 1.234),  # without a decimal comma, a dot is a decimal point
    ],
)
def test_plain_numbers_in_every_documented_spelling(typed: object, expected: float) -> None:
    assert parse_number(typed) == expected


@pytest.mark.parametrize(
    "typed",
    ["1,2345", "12,34,567", "--3", "1e5", "abc", "212 points", "inf", "nan", "-", True,
     math.nan, math.inf, JAN_5, time(1, 15), timedelta(minutes=5), 10**400],
)  # fmt: skip
def test_plain_numbers_refuse_what_is_not_one_number(typed: object) -> None:
    assert_plain_invalid(parse_number(typed))


# ---------------------------------------------------------------------------------------------
# Properties

ANY_CELL = st.one_of(
    st.none(),
    st.text(),
    st.integers(),
    st.floats(),  # includes nan and ±inf
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
    st.timedeltas(),
    st.decimals(),
    st.fractions(),
)

PARSED_TYPES = {
    parse_date: date,
    parse_minutes: float,
    parse_attendance: Attendance,
    parse_yes_no: bool,
    parse_score: Score,
    parse_student_id: str,
    parse_email: str,
    parse_number: float,
}


@pytest.mark.parametrize("parser", list(PARSED_TYPES), ids=lambda parser: parser.__name__)
@given(cell=ANY_CELL)
def test_no_parser_raises_and_each_returns_its_type_none_or_invalid(parser, cell: object) -> None:
    result = parser(cell)
    if isinstance(result, Invalid):
        assert result.what and result.fix
    else:
        assert result is None or isinstance(result, PARSED_TYPES[parser])
    assert (result is None) == is_blank(cell) or isinstance(result, Invalid)


@given(cell=ANY_CELL)
def test_day_first_dates_never_raise(cell: object) -> None:
    result = parse_date(cell, day_first=True)
    assert result is None or isinstance(result, date | Invalid)


@given(text=st.text())
def test_name_functions_never_raise_on_any_text(text: str) -> None:
    first, last = split_name(text)
    assert isinstance(normalise_name(text), str)
    assert isinstance(display_name(first, last), str)
    assert first == first.strip() and last == last.strip()


DATES = st.dates(min_value=date(1960, 1, 1), max_value=date(2100, 12, 31))


@given(day=DATES)
def test_date_round_trips_through_every_format(day: date) -> None:
    month_name = MONTH_ABBREVIATIONS[day.month - 1]
    serial = (day - SERIAL_EPOCH).days
    assert parse_date(day.isoformat()) == day
    assert parse_date(f"{day.month}/{day.day}/{day.year}") == day
    assert parse_date(f"{day.day}/{day.month}/{day.year}", day_first=True) == day
    assert parse_date(f"{month_name} {day.day}, {day.year}") == day
    assert parse_date(serial) == day
    assert parse_date(float(serial) + 0.5) == day
    assert parse_date(str(serial)) == day


@given(minutes=st.integers(min_value=0, max_value=600))
def test_whole_minutes_round_trip_through_every_format(minutes: int) -> None:
    hours, rest = divmod(minutes, 60)
    for text in (str(minutes), f"{minutes} min", f"{hours}:{rest:02d}", f"{hours}h {rest}m"):
        assert parse_minutes(text) == float(minutes), text


@given(student_id=st.from_regex(r"0+[0-9]{0,12}", fullmatch=True))
def test_ids_with_leading_zeros_stay_identical(student_id: str) -> None:
    assert parse_student_id(student_id) == student_id
    assert parse_student_id(f"'{student_id}") == student_id


NAME_WORD = st.text(st.characters(categories=("Lu", "Ll")), min_size=1, max_size=10)
NAME_PART = st.lists(NAME_WORD, min_size=1, max_size=3).map(" ".join)


@given(first=NAME_PART, last=NAME_PART)
def test_last_comma_first_and_first_last_give_the_same_key(first: str, last: str) -> None:
    assert normalise_name(f"{last}, {first}") == normalise_name(f"{first} {last}")


@st.composite
def typed_attendance_word(draw: st.DrawFn) -> tuple[str, Attendance]:
    """An accepted word as someone might type it: any case, stray spaces and punctuation."""
    word, status = draw(st.sampled_from(ATTENDANCE_CASES))
    uppercase = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    cased = "".join(ch.upper() if up else ch for ch, up in zip(word, uppercase, strict=True))
    before, after = (
        draw(st.sampled_from(["", " ", "  ", "\t"])),
        draw(st.sampled_from(["", ".", "!", " "])),
    )
    return f"{before}{cased}{after}", status


@given(case=typed_attendance_word())
def test_attendance_every_accepted_word_in_any_case_is_one_of_the_four(
    case: tuple[str, Attendance],
) -> None:
    text, status = case
    result = parse_attendance(text)
    assert result in set(Attendance)
    assert result is status


@pytest.mark.parametrize(
    ("day_fraction", "minutes"), [(75 / 1440, 75.0), (0.5 / 24, 30.0), (1 / 24, 60.0)]
)
def test_minutes_as_a_spreadsheet_time_serial_are_that_time(
    day_fraction: float, minutes: float
) -> None:
    """Sheets hands a typed 1:15 over as a fraction of a day."""
    assert parse_minutes(day_fraction) == pytest.approx(minutes)


@pytest.mark.parametrize(
    "typed",
    [
        "a\uff20evil.example@school.example",  # a fullwidth at sign inside the local part
        "pat\u202e@school.example",  # a right-to-left override
        "\uff50\uff41\uff54@school.example",  # fullwidth letters
    ],
)
def test_an_address_with_a_look_alike_or_control_character_is_not_an_address(typed):
    assert isinstance(values.parse_email(typed), values.Invalid)


def test_plain_ascii_local_parts_with_dots_plus_and_apostrophes_are_addresses():
    assert values.parse_email("O'Brien.K+tutor@School.example") == "o'brien.k+tutor@school.example"
