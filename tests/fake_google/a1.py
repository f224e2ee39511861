"""A1 notation: `'My Tab'!A1:C10`, `Tab!A:C`, `Tab!2:5`, `'My Tab'`, `A1:B2` (first sheet)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_REF = re.compile(r"\$?([A-Za-z]{0,3})\$?(\d*)")
_LOOKS_LIKE_CELL = re.compile(r"[A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*")
_PLAIN_TITLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class A1:
    """A parsed range. Bounds are 0-based, end-exclusive; None means open (to the grid edge)."""

    sheet: str | None
    start_row: int | None = None
    start_col: int | None = None
    end_row: int | None = None
    end_col: int | None = None


def column_index(letters: str) -> int:
    index = 0
    for char in letters.upper():
        index = index * 26 + (ord(char) - ord("A") + 1)
    return index - 1


def column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def quote_sheet(title: str) -> str:
    """The sheet part as Google writes it back: quoted only when the title needs it."""
    if _PLAIN_TITLE.fullmatch(title) and not _LOOKS_LIKE_CELL.fullmatch(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def split_sheet(text: str) -> tuple[str | None, str | None]:
    """(sheet title or None, cell part or None). Raises ValueError on a malformed quote."""
    if text.startswith("'"):
        title = ""
        pos = 1
        while True:
            if pos >= len(text):
                raise ValueError(text)
            if text[pos] == "'":
                if text[pos + 1 : pos + 2] == "'":
                    title += "'"
                    pos += 2
                    continue
                pos += 1
                break
            title += text[pos]
            pos += 1
        if pos == len(text):
            return title, None
        if text[pos] != "!":
            raise ValueError(text)
        return title, text[pos + 1 :]
    if "!" in text:
        title, cells = text.rsplit("!", 1)
        return title, cells
    return None, text


def parse_cells(cells: str) -> tuple[int | None, int | None, int | None, int | None] | None:
    """(start_row, start_col, end_row, end_col) of `A1`, `A1:C10`, `A:C`, `2:5`, `A5:C`."""
    parts = cells.split(":")
    if len(parts) == 1:
        ref = _REF.fullmatch(parts[0])
        if not ref or not ref.group(1) or not ref.group(2) or int(ref.group(2)) < 1:
            return None
        row, col = int(ref.group(2)) - 1, column_index(ref.group(1))
        return row, col, row + 1, col + 1
    if len(parts) != 2:
        return None
    first, last = _REF.fullmatch(parts[0]), _REF.fullmatch(parts[1])
    if not first or not last or not (first.group(1) or first.group(2)):
        return None
    if not (last.group(1) or last.group(2)):
        return None
    if any(g and int(g) < 1 for g in (first.group(2), last.group(2))):
        return None
    start_row = int(first.group(2)) - 1 if first.group(2) else 0
    start_col = column_index(first.group(1)) if first.group(1) else 0
    end_row = int(last.group(2)) if last.group(2) else None
    end_col = column_index(last.group(1)) + 1 if last.group(1) else None
    if end_row is not None and end_row <= start_row:
        start_row, end_row = end_row - 1, start_row + 1
    if end_col is not None and end_col <= start_col:
        start_col, end_col = end_col - 1, start_col + 1
    return start_row, start_col, end_row, end_col


def parse(text: str, sheet_titles: list[str]) -> A1:
    """Parse `text` against the spreadsheet's sheet titles; ValueError if it cannot be parsed.

    As in Google, a bare name that is a sheet title means the whole sheet; otherwise a bare
    cell range refers to the first sheet.
    """
    canonical = {t.lower(): t for t in sheet_titles}  # sheet names match case-insensitively
    title, cells = split_sheet(text)
    if title is None:
        if cells is not None and cells.lower() in canonical:
            return A1(canonical[cells.lower()])
        if not sheet_titles:
            raise ValueError(text)
        title = sheet_titles[0]
    if title.lower() not in canonical:
        raise ValueError(text)
    title = canonical[title.lower()]
    if cells is None:
        return A1(title)
    bounds = parse_cells(cells)
    if bounds is None:
        raise ValueError(text)
    return A1(title, *bounds)


def format_range(title: str, start_row: int, start_col: int, end_row: int, end_col: int) -> str:
    """`Tab!A1:C10`, or `Tab!B2` for a single cell (bounds 0-based, end-exclusive)."""
    first = f"{column_letters(start_col)}{start_row + 1}"
    last = f"{column_letters(end_col - 1)}{end_row}"
    cells = first if (end_row - start_row, end_col - start_col) == (1, 1) else f"{first}:{last}"
    return f"{quote_sheet(title)}!{cells}"
