"""Cell values as educators type them, parsed: dates, minutes, attendance, scores, IDs, names.

A cell arrives as whatever the reader produced: None, str, int, float, bool, or a
date/datetime/time from openpyxl (a CSV gives only str). Every parser returns the parsed value,
None for a blank cell, or an `Invalid` saying what is wrong and how to fix it. No parser raises,
whatever it is given.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from numbers import Integral, Real
from typing import NamedTuple, TypeVar, cast


class Invalid(NamedTuple):
    """A value a parser could not use, said so an educator can fix it."""

    what: str  # completes "<Field> '<value>' in Tab!F14 ...", e.g. "is not a date"
    fix: str  # plain words: "type a date such as 2026-01-05, 1/5/2026 or Jan 5, 2026"


def is_blank(value: object) -> bool:
    """True for None, "" and text that is only whitespace; every other value is not blank."""
    return value is None or (isinstance(value, str) and not value.strip())


# What Sheets and Excel show in a cell whose formula failed; the readers give it as text. The
# value the formula was meant to give is unknown, so no field can use it, not even a name.
FORMULA_ERRORS = frozenset(
    {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#ERROR!", "#SPILL!",
     "#CALC!", "#GETTING_DATA"}
)  # fmt: skip


def formula_error(value: object) -> Invalid | None:
    """An Invalid for a cell showing a formula's error ("#N/A", "#REF!", ...); else None."""
    # Every error starts with "#": text without one is found in C, as most cells are.
    if isinstance(value, str) and "#" in value and value.strip().upper() in FORMULA_ERRORS:
        return Invalid(
            "is a formula's error, not a value",
            "fix the formula in this cell, or type the value instead",
        )
    return None


_Value = TypeVar("_Value")


def detached(value: _Value) -> _Value:
    """`value` itself, or, for text and dates, an equal new object: one that keeps no grid's
    memory alive. CPython gives memory back to the system only in whole arenas, and a single
    cell's text kept from a grid (a student's ID, a name, an issue's value) keeps its arena;
    the parsed sources keep some hundred thousand values out of millions of cells, which would
    keep almost every arena of the grids: hundreds of megabytes at 100,000 students."""
    copy: object = value
    if isinstance(value, str) and type(value) is str:
        copy = "".join((value, ""))  # join of two parts makes a new string
    elif isinstance(value, date) and type(value) is date:
        copy = date.fromordinal(value.toordinal())
    return cast(_Value, copy)


# ---------------------------------------------------------------------------------------------
# Numbers shared by several parsers


def _number(value: object) -> float | None:
    """A real number cell as a float (huge ints become ±inf); None for anything else.

    bool is an int in Python but a checkbox to an educator, so it is not a number here.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        # Python ints are unbounded; float() of one beyond a float's range raises.
        if value.bit_length() > 1023:
            return math.inf if value > 0 else -math.inf
        return float(value)
    if not isinstance(value, Real | Decimal):
        return None
    try:
        return float(value)
    except (OverflowError, TypeError, ValueError):
        return None


# Digits with an optional decimal point, or digits,1-2 digits: a European decimal comma
# ("17,5"). Three digits after a comma ("1,200") is a thousands separator, so it is not matched
# and stays invalid rather than silently becoming 1.2.
_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+|\d+,\d{1,2})"


def _number_text(text: str) -> float:
    """A string matched by _NUMBER as a float (may be inf for absurdly long digit strings)."""
    return float(text.replace(",", "."))


_NUMBER_FIX = "type a number such as 212 or 48.5"
# A comma before groups of exactly three digits separates thousands ("1,234.5"); so does a dot
# when a decimal comma follows it ("1.234,5"). Any other shape is left to _NUMBER, which reads
# "17,5" as 17.5 and refuses "1,2345".
_THOUSANDS_COMMA = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_THOUSANDS_DOT = re.compile(r"\d{1,3}(?:\.\d{3})+,\d{1,2}")
_SIGN = re.compile(r"(?P<sign>[-+]?) ?(?P<body>.+)")
_PLAIN_NUMBER = re.compile(_NUMBER)


def parse_number(value: object) -> float | Invalid | None:
    """A plain number, e.g. a test's scale score: a number cell, or text such as "212",
    "-3", "17.5", "17,5" (a decimal comma), "1,234" or "1,234.5" (thousands separated by
    commas) and "1.234,5" (by dots, with a decimal comma).

    "1,200" is 1200, never 1.2: three digits after a comma are thousands, as _NUMBER reads
    them. yes/no, dates, times, nan/inf and other text are invalid; the range is the caller's.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return Invalid("is yes/no, not a number", _NUMBER_FIX)
    if isinstance(value, str):
        return _parse_number_text(value)
    if isinstance(value, date | time | timedelta):
        return Invalid("is a date or time, not a number", _NUMBER_FIX)
    number = _number(value)
    if number is None or not math.isfinite(number):
        return Invalid("is not a number", _NUMBER_FIX)
    return number


def _parse_number_text(text: str) -> float | Invalid | None:
    cleaned = " ".join(text.split())
    if not cleaned:
        return None
    signed = _SIGN.fullmatch(cleaned)
    body = signed["body"] if signed else cleaned
    if _THOUSANDS_COMMA.fullmatch(body):
        number = float(body.replace(",", ""))
    elif _THOUSANDS_DOT.fullmatch(body):
        number = float(body.replace(".", "").replace(",", "."))
    elif _PLAIN_NUMBER.fullmatch(body):
        number = _number_text(body)
    else:
        return Invalid("is not a number", _NUMBER_FIX)
    if not math.isfinite(number):
        return Invalid("is not a number", _NUMBER_FIX)
    return -number if signed and signed["sign"] == "-" else number


# ---------------------------------------------------------------------------------------------
# Dates

# Spreadsheets count days from 1899-12-30. Serials are only believed between these bounds
# (1954-10-03 .. 2119-01-10), so a score or an ID in a date column is reported, not turned into
# a date in 1900.
_SERIAL_EPOCH = date(1899, 12, 30)
_SERIAL_MIN = 20000
_SERIAL_MAX = 80000

_MONTH_NAMES = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_MONTHS = {
    name: number
    for number, full_name in enumerate(_MONTH_NAMES, start=1)
    for name in (full_name, full_name[:3])
} | {"sept": 9}

_MONTH_NAME = "(?P<month_name>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4}|\d{2})"
# A time after the date is a form's submit time ("1/5/2026 2:32:11 PM"); only the date is kept.
_TIME_SUFFIX = (
    r"(?:[t ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"  # 14:32 or 2:32:11
    r"(?: ?[ap]\.?m\.?)?"  # PM
    r"(?: ?z|[+-]\d{2}:?\d{2})?)?"  # a time zone from an export, ignored with the time
)
_ISO = re.compile(
    r"(?P<year>\d{4})(?P<sep>[-/.])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})" + _TIME_SUFFIX
)
_YEAR_LAST = re.compile(
    r"(?P<first>\d{1,2})(?P<sep>[-/.])(?P<second>\d{1,2})(?P=sep)" + _YEAR + _TIME_SUFFIX
)
_MONTH_FIRST = re.compile(rf"{_MONTH_NAME}[ -]?{_DAY},? ?{_YEAR}{_TIME_SUFFIX}")
_DAY_FIRST = re.compile(rf"{_DAY}[ -]?{_MONTH_NAME}[ ,-]*{_YEAR}{_TIME_SUFFIX}")
_WEEKDAY_PREFIX = re.compile(
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|mon|tues|tue|wed|thurs|thur|thu|fri|sat|sun)\.?,? "
)
_SERIAL_TEXT = re.compile(r"\d+(?:\.\d+)?")


def parse_date(value: object, *, day_first: bool = False) -> date | Invalid | None:
    """A calendar date from a date cell, a date as typed, or a spreadsheet serial number.

    Accepts date/datetime cells (a datetime gives its date); ISO 2026-01-05 (with or without a
    time); m/d/yyyy and m/d/yy with /, - or . (d/m when `day_first`), with or without a form's
    time; month names ("Jan 5, 2026", "5 January, 2026", "Mon, Jan 5, 2026"); serial numbers
    between 20000 and 80000, as numbers or digits (a fraction of a day is ignored). Two-digit
    years are 20yy. Only `day_first` decides between month/day and day/month.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        # pandas' NaT claims to be a datetime but is no date.
        return value.date() if value == value else _not_a_date(day_first)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return _parse_date_text(value, day_first)
    if isinstance(value, bool):
        return Invalid("is yes/no, not a date", _date_fix(day_first))
    if isinstance(value, time):
        return Invalid("is a time of day, not a date", _date_fix(day_first))
    serial = _number(value)
    if serial is not None:
        return _date_from_serial(serial, day_first)
    return _not_a_date(day_first)


@lru_cache(maxsize=16384)
def _parse_date_text(text: str, day_first: bool) -> date | Invalid | None:
    # Cached because a log repeats the same few hundred date strings across 100k rows.
    cleaned = " ".join(text.lower().split())
    if not cleaned:
        return None
    if _SERIAL_TEXT.fullmatch(cleaned):
        return _date_from_serial(_number_text(cleaned), day_first)
    if match := _ISO.fullmatch(cleaned):
        return _checked_date(match["year"], match["month"], match["day"], day_first)
    if match := _YEAR_LAST.fullmatch(cleaned):
        first, second = match["first"], match["second"]
        day, month = (first, second) if day_first else (second, first)
        return _checked_date(match["year"], month, day, day_first)
    # "Mon, Jan 5, 2026": the weekday adds nothing, and is not checked against the date.
    weekday = _WEEKDAY_PREFIX.match(cleaned)
    named = cleaned[weekday.end() :] if weekday else cleaned
    if match := _MONTH_FIRST.fullmatch(named) or _DAY_FIRST.fullmatch(named):
        month = str(_MONTHS[match["month_name"]])
        return _checked_date(match["year"], month, match["day"], day_first)
    return _not_a_date(day_first)


def _date_from_serial(serial: float, day_first: bool) -> date | Invalid:
    if not _SERIAL_MIN <= serial <= _SERIAL_MAX:  # also false for nan
        return Invalid("is a number, not a date", _date_fix(day_first))
    return _SERIAL_EPOCH + timedelta(days=math.floor(serial))


def _checked_date(year: str, month: str, day: str, day_first: bool) -> date | Invalid:
    full_year = int(year) + 2000 if len(year) == 2 else int(year)
    try:
        return date(full_year, int(month), int(day))
    except ValueError:
        order = "day/month/year" if day_first else "month/day/year"
        return Invalid(
            "is not a real date on the calendar",
            f"check the day and month (this sheet reads dates as {order})",
        )


def _not_a_date(day_first: bool) -> Invalid:
    return Invalid("is not a date", _date_fix(day_first))


def _date_fix(day_first: bool) -> str:
    if day_first:
        return "type a date such as 2026-01-05, 5/1/2026 or 5 Jan 2026"
    return "type a date such as 2026-01-05, 1/5/2026 or Jan 5, 2026"


# ---------------------------------------------------------------------------------------------
# Minutes

MAX_MINUTES = 600.0

_MINUTES_FIX = "type the session length in minutes, e.g. 45, '45 min', '1h 15m' or '1:15'"
_CLOCK = re.compile(r"(?P<hours>\d{1,3}):(?P<minutes>\d{2})(?::(?P<seconds>\d{2}))?")
_DURATION = re.compile(
    rf"(?:(?P<hours>{_NUMBER}) ?(?:hours|hour|hrs|hr|h)\.?)?"
    r"[ ,]*(?:and ?)?"
    rf"(?:(?P<minutes>{_NUMBER}) ?(?:minutes|minute|mins|min|m)?\.?)?"
)


def parse_minutes(value: object) -> float | Invalid | None:
    """A session length in minutes, from 0 to 600.

    Numbers are minutes, except a number between 0 and 1, which is a spreadsheet's time of
    day (a day's fraction: a typed 1:15 is 0.052...). Text may say "45", "45 min", "45m",
    "1.5 hours", "1h 15m", "1h15", "1:15" or "1:15:00" (hours:minutes[:seconds]). A time cell
    (Excel's reading of a typed 1:15) and a timedelta are durations. Negative, more than 600,
    nan/inf and yes/no are invalid.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return Invalid("is yes/no, not a number of minutes", _MINUTES_FIX)
    if isinstance(value, time):
        return _checked_minutes(
            value.hour * 60 + value.minute + value.second / 60 + value.microsecond / 60e6
        )
    if isinstance(value, timedelta):
        return _checked_minutes(value.total_seconds() / 60)
    if isinstance(value, str):
        return _parse_minutes_text(value)
    if isinstance(value, date):
        return Invalid("is a date, not a number of minutes", _MINUTES_FIX)
    number = _number(value)
    if number is None:
        return Invalid("is not a number of minutes", _MINUTES_FIX)
    if not isinstance(value, str) and 0 < number < 1:
        # A spreadsheet stores a typed 1:15 as a fraction of a day (0.052...), and Sheets
        # hands it over as that number; nobody logs a session of less than a minute.
        return _checked_minutes(round(number * 24 * 60, 6))
    return _checked_minutes(number)


def _parse_minutes_text(text: str) -> float | Invalid | None:
    cleaned = " ".join(text.lower().split())
    if not cleaned:
        return None
    negative = cleaned.startswith("-")
    minutes = _minutes_in_text(cleaned.removeprefix("-").strip())
    if minutes is None:
        return Invalid("is not a number of minutes", _MINUTES_FIX)
    return _checked_minutes(-minutes if negative else minutes)


def _minutes_in_text(text: str) -> float | None:
    if match := _CLOCK.fullmatch(text):
        clock_minutes, clock_seconds = int(match["minutes"]), int(match["seconds"] or 0)
        if clock_minutes >= 60 or clock_seconds >= 60:
            return None
        return int(match["hours"]) * 60 + clock_minutes + clock_seconds / 60
    match = _DURATION.fullmatch(text)
    if match is None or (match["hours"] is None and match["minutes"] is None):
        return None
    hours = _number_text(match["hours"]) if match["hours"] else 0.0
    minutes = _number_text(match["minutes"]) if match["minutes"] else 0.0
    return hours * 60 + minutes


def _checked_minutes(minutes: float) -> float | Invalid:
    if not math.isfinite(minutes):
        return Invalid("is not a number of minutes", _MINUTES_FIX)
    if minutes < 0:
        return Invalid("is a negative length", _MINUTES_FIX)
    if minutes > MAX_MINUTES:
        return Invalid(
            "is more than 10 hours, too long for one session",
            "type the length of one session, not a start time or a total; e.g. 45 or '1:15'",
        )
    return float(minutes)


# ---------------------------------------------------------------------------------------------
# Attendance and yes/no


class Attendance(StrEnum):
    ATTENDED = "attended"
    ABSENT = "absent"
    NO_SHOW = "no-show"
    CANCELLED = "cancelled"


# fmt: off
_ATTENDANCE_WORDS: dict[Attendance, tuple[str, ...]] = {
    Attendance.ATTENDED: (
        "present", "p", "attended", "yes", "y", "here", "tardy", "late", "true", "x", "✓", "✔",
        "showed up", "on time",
    ),
    Attendance.ABSENT: (
        "absent", "a", "no", "n", "false", "excused", "excused absence", "student absent",
        "absent excused", "unexcused",
    ),
    Attendance.NO_SHOW: (
        "no show", "no-show", "noshow", "ns", "did not show", "didn't show", "dns",
    ),
    Attendance.CANCELLED: (
        "cancelled", "canceled", "c", "cx", "tutor cancelled", "cancelled by tutor",
        "school cancelled", "cancelled by school", "student cancelled", "session cancelled",
        "rescheduled",
    ),
}
# fmt: on
_ATTENDANCE_FIX = (
    "type Present, Absent, No show or Cancelled (also understood: P, A, Late, Excused, "
    "Did not show, Rescheduled)"
)


def _word_key(text: str) -> str:
    """Case, spaces and punctuation ignored: "No-Show", "no show" and "NOSHOW" are one word."""
    return "".join(ch for ch in text.casefold() if ch.isalnum() or ch in "✓✔")


_ATTENDANCE_BY_KEY = {
    _word_key(word): status for status, words in _ATTENDANCE_WORDS.items() for word in words
}


def parse_attendance(value: object) -> Attendance | Invalid | None:
    """One of the four attendance values from the words tutors type (or a checkbox).

    Case, spaces and punctuation do not matter. A checked box (True) is attended, an unchecked
    one (False) absent.
    """
    if isinstance(value, bool):
        return Attendance.ATTENDED if value else Attendance.ABSENT
    if is_blank(value):
        return None
    if isinstance(value, str) and (status := _ATTENDANCE_BY_KEY.get(_word_key(value))):
        return status
    return Invalid("is not an attendance value", _ATTENDANCE_FIX)


_YES = {"yes", "y", "true", "x", "✓", "✔", "1"}
_NO = {"no", "n", "false", "0"}
_YES_NO_FIX = "type Yes or No"


def parse_yes_no(value: object) -> bool | Invalid | None:
    """True or False from yes/no, y/n, true/false, 1/0, x, ✓ or a checkbox; case ignored."""
    if isinstance(value, bool):
        return value
    if is_blank(value):
        return None
    if isinstance(value, str):
        word = value.strip().casefold()
        if word in _YES or word in _NO:
            return word in _YES
    elif (number := _number(value)) in (0.0, 1.0):
        return number == 1.0
    return Invalid("is not yes or no", _YES_NO_FIX)


# ---------------------------------------------------------------------------------------------
# Gradebook scores


class ScoreKind(StrEnum):
    POINTS = "points"
    PERCENT = "percent"
    FRACTION = "fraction"
    EXCUSED = "excused"
    MISSING = "missing"


@dataclass(frozen=True)
class Score:
    """A gradebook mark: points, a percentage, a fraction (value out_of), excused or missing."""

    kind: ScoreKind
    value: float | None = None
    out_of: float | None = None


_SCORE_FIX = (
    "type points (17), a percentage (85%), a fraction (17/20), EX for excused or M for missing"
)
_SCORE_WORDS = {
    "ex": ScoreKind.EXCUSED,
    "excused": ScoreKind.EXCUSED,
    "exempt": ScoreKind.EXCUSED,
    "m": ScoreKind.MISSING,
    "missing": ScoreKind.MISSING,
    "not submitted": ScoreKind.MISSING,
}
_POINTS = re.compile(rf"(?P<sign>-?) ?(?P<value>{_NUMBER})")
_PERCENT = re.compile(rf"(?P<sign>-?) ?(?P<value>{_NUMBER}) ?%")
_FRACTION = re.compile(rf"(?P<sign>-?) ?(?P<value>{_NUMBER}) ?/ ?(?P<out_of>{_NUMBER})")


def parse_score(value: object) -> Score | Invalid | None:
    """A gradebook mark: 17 or "17.5" (points), "85%" (percent), "17/20" (fraction), EX/excused/
    exempt (excused), M/missing/not submitted (missing).

    A decimal comma is read only in the unambiguous shape digits,1-2 digits ("17,5" is 17.5);
    "1,200" is invalid. Negative, nan/inf, a fraction out of 0 and yes/no are invalid; "NS" is
    invalid because it could mean not submitted or no score.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return Invalid("is yes/no, not a score", _SCORE_FIX)
    if isinstance(value, str):
        return _parse_score_text(value)
    number = _number(value)
    if number is None:
        return Invalid("is not a score", _SCORE_FIX)
    return _checked_score(ScoreKind.POINTS, number)


def _parse_score_text(text: str) -> Score | Invalid | None:
    cleaned = " ".join(text.casefold().split())
    if not cleaned:
        return None
    if kind := _SCORE_WORDS.get(cleaned):
        return Score(kind)
    if match := _POINTS.fullmatch(cleaned):
        return _checked_score(ScoreKind.POINTS, _signed(match["sign"], match["value"]))
    if match := _PERCENT.fullmatch(cleaned):
        return _checked_score(ScoreKind.PERCENT, _signed(match["sign"], match["value"]))
    if match := _FRACTION.fullmatch(cleaned):
        out_of = _number_text(match["out_of"])
        if out_of <= 0:
            return Invalid(
                "is a fraction out of 0", "type the points possible after the /, e.g. 17/20"
            )
        return _checked_score(ScoreKind.FRACTION, _signed(match["sign"], match["value"]), out_of)
    return Invalid("is not a score", _SCORE_FIX)


def _signed(sign: str, digits: str) -> float:
    return -_number_text(digits) if sign else _number_text(digits)


def _checked_score(kind: ScoreKind, value: float, out_of: float | None = None) -> Score | Invalid:
    if not math.isfinite(value) or (out_of is not None and not math.isfinite(out_of)):
        return Invalid("is not a score", _SCORE_FIX)
    if value < 0:
        return Invalid("is a negative score", _SCORE_FIX)
    return Score(kind, value, out_of)


# ---------------------------------------------------------------------------------------------
# Student IDs and e-mails

_ID_FIX = "type the student's ID from your student information system"
# Beyond 2**53 a float no longer holds every whole number, so the digits shown may be wrong.
_EXACT_FLOAT_LIMIT = 2.0**53


def parse_student_id(value: object) -> str | Invalid | None:
    """A student ID as text, exactly as typed apart from surrounding spaces.

    Leading zeros are kept ("00123"); Sheets' text marker (a leading apostrophe) is removed; a
    number cell gives its digits (123 and 123.0 -> "123"). A number with a fraction, a number
    too long to be exact, yes/no, dates and a formula's error ("#N/A") are invalid.
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        if error := formula_error(text):  # a lookup that found nobody: "#N/A" is no student
            return error
        text = text.removeprefix("'").strip()
        return text or Invalid("is only an apostrophe, not a student ID", _ID_FIX)
    if isinstance(value, bool):
        return Invalid("is yes/no, not a student ID", _ID_FIX)
    if isinstance(value, Integral):
        try:
            return str(int(value))
        except ValueError:  # Python refuses to print ints of more than 4300 digits
            return Invalid("is too long to be a student ID", _ID_FIX)
    number = _number(value)
    if number is None:
        return Invalid("is not a student ID", _ID_FIX)
    if not number.is_integer():
        return Invalid("is not a whole number, so it cannot be a student ID", _ID_FIX)
    if abs(number) >= _EXACT_FLOAT_LIMIT:
        return Invalid(
            "is too long a number for the spreadsheet to keep exactly",
            "format the ID column as plain text and type the ID again",
        )
    return str(int(number))


_EMAIL_FIX = "type an e-mail address such as name@school.org"
_ANGLE_ADDRESS = re.compile(r"<([^<>]*)>")
# The local part in plain ASCII (RFC 5322's atext and dots), as Google Workspace accounts
# have it: a fullwidth "＠" or a right-to-left override is never part of an address, so
# "a＠evil.example@school.example" is not one address at the school.
_EMAIL = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}"
)


def parse_email(value: object) -> str | Invalid | None:
    """A lowercase e-mail address of the shape local@domain.tld.

    Surrounding spaces and a "mailto:" prefix are removed; "Name <a@b.org>" gives "a@b.org".
    """
    if is_blank(value):
        return None
    if not isinstance(value, str):
        return Invalid("is not an e-mail address", _EMAIL_FIX)
    text = value.strip()
    if angled := _ANGLE_ADDRESS.findall(text):
        text = angled[-1].strip()
    text = text.lower()
    text = text.removeprefix("mailto:").strip()
    if _EMAIL.fullmatch(text):
        return text
    return Invalid("is not an e-mail address", _EMAIL_FIX)


# ---------------------------------------------------------------------------------------------
# Names

# A full-width comma (Japanese/Chinese input) separates "Last, First" as well.
_NAME_COMMA = re.compile("[,\uff0c]")


def _last_first(text: str) -> list[str]:
    """The name split at its first comma: [last, first], or [the name] without one (most
    names: found in C, without the regular expression, as a roster has one per student)."""
    if "," not in text and "\uff0c" not in text:
        return [text]
    return _NAME_COMMA.split(text, maxsplit=1)


# What _name_key drops of ASCII text: all but letters, digits and whitespace (str.isspace).
_NOT_IN_ASCII_KEY = re.compile(r"[^0-9a-z\t\n\x0b\x0c\r\x1c-\x1f ]")


def normalise_name(text: str) -> str:
    """A key for matching names as typed in different sheets.

    Accents removed, case folded, everything but letters, digits and spaces dropped ("O'Brien"
    -> "obrien", "Anne-Marie" -> "annemarie"), spaces collapsed, and "Last, First" put in
    "first last" order: "Ávila, José" and "jose  AVILA" both give "jose avila".
    """
    parts = _last_first(text)
    if len(parts) == 2:
        last, first = parts
        return " ".join(f"{_name_key(first)} {_name_key(last)}".split())
    return _name_key(text)


def _name_key(text: str) -> str:
    if text.isascii():  # most names: nothing to decompose, casefold is lower, one pass
        return " ".join(_NOT_IN_ASCII_KEY.sub("", text.lower()).split())
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    kept = "".join(ch for ch in plain if ch.isalnum() or ch.isspace())
    return " ".join(kept.split())


def split_name(text: str) -> tuple[str, str]:
    """(first, last) from one name cell, capitalisation kept and spaces tidied.

    "Last, First" splits at the comma; otherwise the last word is the last name and the rest
    the first name; a single word is a first name only.
    """
    parts = _last_first(text)
    if len(parts) == 2:
        last, first = parts
        return " ".join(first.split()), " ".join(last.split())
    words = text.split()
    if not words:
        return "", ""
    if len(words) == 1:
        return words[0], ""
    return " ".join(words[:-1]), words[-1]


def display_name(first: str, last: str) -> str:
    """The name as "Last, First", or whichever of the two is not empty."""
    first, last = first.strip(), last.strip()
    if first and last:
        return f"{last}, {first}"
    return first or last
