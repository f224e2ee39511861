"""Cell values: Python <-> CellData, rendering (UNFORMATTED/FORMATTED/FORMULA), input parsing."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

SERIAL_EPOCH = dt.datetime(1899, 12, 30)

# CellData fields Google computes; a request may carry them but they are never written.
READ_ONLY_CELL_FIELDS = frozenset(
    {"effectiveValue", "formattedValue", "effectiveFormat", "hyperlink", "dataSourceFormula"}
)
_DATE_TYPES = {"DATE": "M/d/yyyy", "DATE_TIME": "M/d/yyyy H:mm:ss", "TIME": "h:mm:ss am/pm"}
_ERROR_TEXT = {
    "NULL_VALUE": "#NULL!",
    "DIVIDE_BY_ZERO": "#DIV/0!",
    "VALUE": "#VALUE!",
    "REF": "#REF!",
    "NAME": "#NAME?",
    "NUM": "#NUM!",
    "N_A": "#N/A",
    "LOADING": "Loading...",
}


@dataclass(frozen=True)
class Formula:
    """A seeded formula cell: the formula text and the value Google last computed for it."""

    formula: str
    value: Any = None


def to_serial(value: dt.date | dt.datetime) -> float:
    if isinstance(value, dt.datetime):
        naive = value.replace(tzinfo=None)
        return (naive - SERIAL_EPOCH).total_seconds() / 86400
    return float((value - SERIAL_EPOCH.date()).days)


def from_serial(serial: float) -> dt.datetime:
    return SERIAL_EPOCH + dt.timedelta(days=serial)


def extended_value(value: Any) -> dict[str, Any] | None:
    """Python scalar -> ExtendedValue (dates become serial numbers)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int | float):
        return {"numberValue": value}
    if isinstance(value, dt.date):
        return {"numberValue": to_serial(value)}
    return {"stringValue": str(value)}


def seed_cell(value: Any) -> dict[str, Any] | None:
    """Python seed value -> stored CellData (dates get a DATE / DATE_TIME number format)."""
    if value is None or value == "":
        return None
    if isinstance(value, Formula):
        cell: dict[str, Any] = {"userEnteredValue": {"formulaValue": value.formula}}
        cached = extended_value(value.value)
        if cached is not None:
            cell["effectiveValue"] = cached
        return cell
    cell = {"userEnteredValue": extended_value(value)}
    if isinstance(value, dt.datetime):
        number_format = {"type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm:ss"}
        cell["userEnteredFormat"] = {"numberFormat": number_format}
    elif isinstance(value, dt.date):
        cell["userEnteredFormat"] = {"numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}}
    return cell


def effective_value(cell: dict[str, Any]) -> dict[str, Any] | None:
    """The computed value: the entered literal, or a formula's cached (seeded) value."""
    entered = cell.get("userEnteredValue") or {}
    if "formulaValue" in entered:
        return cell.get("effectiveValue")
    if not entered or entered.get("stringValue") == "":
        return None
    if "numberValue" in entered:
        return {"numberValue": _number(entered["numberValue"])}
    return dict(entered)


def hyperlink(cell: dict[str, Any]) -> str | None:
    link = (cell.get("userEnteredFormat") or {}).get("textFormat", {}).get("link") or {}
    return link.get("uri")


def _number(value: Any) -> int | float:
    number = float(value) if isinstance(value, str) else value
    return int(number) if isinstance(number, float) and number.is_integer() else number


def python_value(value: dict[str, Any] | None) -> Any:
    """ExtendedValue -> Python (numbers, str, bool); None for an empty cell."""
    if not value:
        return None
    if "numberValue" in value:
        return _number(value["numberValue"])
    if "boolValue" in value:
        return value["boolValue"]
    if "errorValue" in value:
        return _ERROR_TEXT.get(value["errorValue"].get("type", ""), "#ERROR!")
    return value.get("stringValue", value.get("formulaValue"))


def render(cell: dict[str, Any], value_render: str, date_time_render: str) -> Any:
    """The value of one cell as values.get returns it, or None when the cell is empty."""
    entered = cell.get("userEnteredValue") or {}
    if value_render == "FORMULA" and "formulaValue" in entered:
        return entered["formulaValue"]
    value = effective_value(cell)
    if value is None:
        return None
    number_format = (cell.get("userEnteredFormat") or {}).get("numberFormat") or {}
    if value_render == "FORMATTED_VALUE":
        return formatted_value(value, number_format)
    if (
        date_time_render == "FORMATTED_STRING"
        and "numberValue" in value
        and number_format.get("type") in _DATE_TYPES
    ):
        return formatted_value(value, number_format)
    return python_value(value)


def formatted_value(value: dict[str, Any], number_format: dict[str, Any]) -> str:
    """The text a user sees: a compact model of Sheets' en_US number formatting."""
    if "boolValue" in value:
        return "TRUE" if value["boolValue"] else "FALSE"
    if "stringValue" in value:
        return str(value["stringValue"])
    if "errorValue" in value:
        return str(python_value(value))
    number = float(value["numberValue"])
    kind = number_format.get("type", "NUMBER")
    pattern = number_format.get("pattern") or ""
    if kind in _DATE_TYPES:
        return format_date(from_serial(number), pattern or _DATE_TYPES[kind])
    if kind == "PERCENT":
        return f"{number * 100:.{_decimals(pattern, 2)}f}%"
    if kind == "CURRENCY":
        return f"${number:,.{_decimals(pattern, 2)}f}"
    if pattern and re.search(r"[0#]", pattern):
        grouping = "," if "," in pattern else ""
        return f"{number:{grouping}.{_decimals(pattern, 0)}f}"
    if number.is_integer():
        return str(int(number))
    return f"{number:.10f}".rstrip("0").rstrip(".")


def _decimals(pattern: str, default: int) -> int:
    if not pattern:
        return default
    found = re.search(r"\.([0#]+)", pattern)
    return len(found.group(1)) if found else 0


def format_date(moment: dt.datetime, pattern: str) -> str:
    """Format with a Sheets date pattern (yyyy, yy, mmmm, mmm, mm, m, dd, d, hh, h, ss, am/pm)."""
    tokens = re.findall(r"yyyy|yy|mmmm|mmm|mm|m|dd|d|hh|h|ss|s|am/pm|.", pattern, re.IGNORECASE)
    twelve_hour = any(t.lower() == "am/pm" for t in tokens)
    out = []
    for i, token in enumerate(tokens):
        low = token.lower()
        prev = next((t.lower() for t in reversed(tokens[:i]) if t.isalpha()), "")
        following = next((t.lower() for t in tokens[i + 1 :] if t.isalpha()), "")
        hour = moment.hour % 12 or 12 if twelve_hour else moment.hour
        if low in ("m", "mm") and (prev in ("h", "hh") or following in ("s", "ss")):
            out.append(f"{moment.minute:02d}" if low == "mm" else str(moment.minute))
        else:
            out.append(
                {
                    "yyyy": f"{moment.year:04d}",
                    "yy": f"{moment.year % 100:02d}",
                    "mmmm": moment.strftime("%B"),
                    "mmm": moment.strftime("%b"),
                    "mm": f"{moment.month:02d}",
                    "m": str(moment.month),
                    "dd": f"{moment.day:02d}",
                    "d": str(moment.day),
                    "hh": f"{hour:02d}",
                    "h": str(hour),
                    "ss": f"{moment.second:02d}",
                    "s": str(moment.second),
                    "am/pm": "AM" if moment.hour < 12 else "PM",
                }.get(low, token)
            )
    return "".join(out)


_NUMBER_TEXT = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def entered_value(value: Any, value_input_option: str) -> dict[str, Any] | None:
    """A values.update item -> userEnteredValue (None clears the cell's value)."""
    if isinstance(value, str) and value == "":
        return None
    if not isinstance(value, str) or value_input_option == "RAW":
        return extended_value(value)
    # USER_ENTERED: parse as if typed into the UI.
    if value.startswith("'"):
        return {"stringValue": value[1:]}
    if value.startswith("="):
        return {"formulaValue": value}
    if value.upper() in ("TRUE", "FALSE"):
        return {"boolValue": value.upper() == "TRUE"}
    if _NUMBER_TEXT.fullmatch(value.strip()):
        return {"numberValue": _number(float(value))}
    return {"stringValue": value}
