"""Find a sheet's columns by their headers, the way educators actually type them.

Headers compare case-, space- and punctuation-insensitively ("Student #" == "student  #"),
through each field's documented aliases, and config can name any custom header. Extra
columns are ignored; a missing required column is one data issue for the whole tab.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice

from rapidfuzz import fuzz

from sheets_schema.issues import DataIssue, Severity, a1, column_letter

_SYMBOLS = {"#": " number ", "%": " percent ", "&": " and ", "+": " plus "}
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
HEADER_SEARCH_ROWS = 10  # title rows above the header are common; look this far down


def header_key(text: object) -> str:
    """The comparable form of a header: "Student #" -> "studentnumber"."""
    return "" if text is None else _text_key(str(text))


@lru_cache(maxsize=65_536)
def _text_key(text: str) -> str:
    # Cached: thousands of gradebooks repeat the same few dozen headers and labels.
    lowered = text.strip().lower()
    for symbol, word in _SYMBOLS.items():
        lowered = lowered.replace(symbol, word)
    return _NOT_ALNUM.sub("", lowered)


@dataclass(frozen=True)
class Field:
    """One thing a sheet holds, with the headers educators use for it, best match first."""

    name: str
    label: str  # how an educator would say it: "Student ID"
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class SheetKind:
    """A kind of source sheet: its fields, and which of them must be present.

    Each entry of `required` is a group of field names of which at least one must be found.
    """

    name: str
    fields: tuple[Field, ...]
    required: tuple[tuple[str, ...], ...]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


@dataclass(frozen=True)
class HeaderMatch:
    row: int  # 0-based grid row of the header
    columns: dict[str, int]  # field name -> 0-based column


def find_header(
    grid: Sequence[Sequence[object]],
    kind: SheetKind,
    custom: Mapping[str, str],
    *,
    source: str,
    tab: str,
) -> tuple[HeaderMatch | None, list[DataIssue]]:
    """Locate the header row and map fields to columns.

    The header is the first of the first few non-blank rows that has every required field; title
    rows above it are skipped. Returns None (with one issue naming what is missing) when no row
    qualifies, so the caller skips this source.
    """
    issues: list[DataIssue] = []
    unknown = sorted(set(custom) - {f.name for f in kind.fields})
    for name in unknown:
        issues.append(
            DataIssue(
                source,
                tab,
                "",
                name,
                f"the config maps a column for '{name}', which a {kind.name} does not have",
                "use one of: " + ", ".join(f.name for f in kind.fields),
                Severity.WARNING,
            )
        )
    # Only the first few non-blank rows can hold the header: a log has millions of rows.
    candidates = list(
        islice(
            (i for i, row in enumerate(grid) if any(_present(cell) for cell in row)),
            HEADER_SEARCH_ROWS,
        )
    )
    best: tuple[HeaderMatch, list[tuple[str, ...]]] | None = None
    for row_index in candidates:
        columns, duplicates = _map_columns(grid[row_index], kind, custom)
        missing = _missing_groups(kind, columns)
        if not missing:
            issues.extend(_duplicate_issues(duplicates, kind, row_index, source, tab))
            return HeaderMatch(row_index, columns), issues
        if best is None:
            best = (HeaderMatch(row_index, columns), missing)
    first_row = candidates[0] if candidates else 0
    header_row = grid[best[0].row] if best else []
    missing = best[1] if best else _missing_groups(kind, {})
    issues.append(_missing_columns_issue(kind, missing, header_row, best, first_row, source, tab))
    return None, issues


def _missing_columns_issue(
    kind: SheetKind,
    missing: list[tuple[str, ...]],
    header_row: Sequence[object],
    best: tuple[HeaderMatch, list[tuple[str, ...]]] | None,
    first_row: int,
    source: str,
    tab: str,
) -> DataIssue:
    """The tab is skipped: say which columns are missing, which header each probably is, and
    the headers tutorsync reads for it."""
    mapped = set(best[0].columns.values()) if best else set()
    unused = [
        str(cell).strip() for i, cell in enumerate(header_row) if i not in mapped and _present(cell)
    ]
    labels = [" or ".join(f"'{kind.field(name).label}'" for name in group) for group in missing]
    fixes = [_missing_column_fix(kind, group, unused) for group in missing]
    return DataIssue(
        source,
        tab,
        f"row {first_row + 1}",
        "",
        f"this {kind.name} has no column for {' and no column for '.join(labels)}, so the "
        "whole tab was skipped and no figures were written from it",
        "; ".join(fixes),
        source_unusable=True,
    )


def _missing_column_fix(kind: SheetKind, group: tuple[str, ...], unused: Sequence[str]) -> str:
    """Did you mean one of the tab's headers, and the headers tutorsync reads for the field."""
    for name in group:
        field = kind.field(name)
        guess = likely_header(field, unused)
        if guess is not None:
            return (
                f"did you mean '{guess}'? Rename it '{field.label}', or map it in the config: "
                f"columns = {{ {name} = {toml_string(guess)} }}. {_accepted(field)}"
            )
    return f"add the column. {_accepted(kind.field(group[0]))}"


def toml_string(text: str) -> str:
    """`text` as a TOML string, for a config line to copy: quotes and backslashes escaped."""
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string


def _accepted(field: Field) -> str:
    headers = list(dict.fromkeys([field.label, *field.aliases]))
    return f"Headers read as {field.label}: {', '.join(headers)}"


def likely_header(field: Field, headers: Sequence[str]) -> str | None:
    """The header among `headers` that most looks like `field` without matching it: it shares
    a word with one of the field's headers (a word may be cut short: "min" for "minutes"), or
    is a close spelling of one. None when none does."""
    scored = [(likeness(field, header), header) for header in headers]
    best = max(scored, default=(0.0, ""), key=lambda pair: pair[0])
    return best[1] if best[0] > 0 else None


def likeness(field: Field, header: str) -> float:
    """How much `header` looks like one of `field`'s headers: 100 per shared word plus the
    closest spelling's ratio; 0 when it shares no word and is no close spelling."""
    names = [field.label, *field.aliases]
    wanted_words = {word for name in names for word in _words(name)}
    shared = sum(1 for word in _words(header) if _word_matches(word, wanted_words))
    key = header_key(header)
    spelling = max(fuzz.ratio(key, header_key(name)) for name in names)
    if shared == 0 and spelling < CLOSE_SPELLING:
        return 0.0
    return shared * 100 + spelling


CLOSE_SPELLING = 80  # rapidfuzz ratio from which two headers read as one misspelt
_STOP_WORDS = frozenset({"of", "the", "a", "an", "in", "for", "to", "and", "or", "per", "e"})


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP_WORDS]


def _word_matches(word: str, wanted: set[str]) -> bool:
    if word in wanted:
        return True
    # A word cut short ("min", "attend") counts when it is a real part of a wanted word.
    return len(word) >= 3 and any(w.startswith(word) or word.startswith(w) for w in wanted)


@dataclass(frozen=True)
class ColumnMapping:
    """How a tab's headers were read: each field and the header it was read from (None: not
    found), the headers not used, and those that look like a field not found (a near miss:
    probably that field, under a header tutorsync does not know)."""

    header_row: int | None  # 0-based; None when the tab has no row to read headers from
    fields: tuple[tuple[Field, str | None], ...]
    unused: tuple[str, ...]
    near_misses: tuple[tuple[str, Field], ...]  # (header, the field it looks like)


def map_headers(
    grid: Sequence[Sequence[object]], kind: SheetKind, custom: Mapping[str, str]
) -> ColumnMapping:
    """The header row `find_header` reads (or, when no row has the required columns, the
    first non-blank one), mapped as `find_header` maps it."""
    header = find_header(grid, kind, custom, source="", tab="")[0]
    if header is None:
        row = next((i for i, r in enumerate(grid) if any(_present(c) for c in r)), None)
        if row is None:
            return ColumnMapping(None, tuple((f, None) for f in kind.fields), (), ())
        header = HeaderMatch(row, _map_columns(grid[row], kind, custom)[0])
    cells = [str(cell).strip() if _present(cell) else "" for cell in grid[header.row]]
    found = tuple(
        (field, cells[header.columns[field.name]] if field.name in header.columns else None)
        for field in kind.fields
    )
    taken = set(header.columns.values())
    unused = tuple(cell for i, cell in enumerate(cells) if cell and i not in taken)
    missing = [field for field, read_from in found if read_from is None]
    near = []
    for cell in unused:  # each header is a near miss of the one field it looks most like
        scores = [likeness(f, cell) for f in missing]
        if scores and max(scores) > 0:
            near.append((cell, missing[scores.index(max(scores))]))
    return ColumnMapping(header.row, found, unused, tuple(near))


def _present(cell: object) -> bool:
    return cell is not None and str(cell).strip() != ""


def _map_columns(
    header_row: Sequence[object], kind: SheetKind, custom: Mapping[str, str]
) -> tuple[dict[str, int], dict[str, list[int]]]:
    keys = [header_key(cell) for cell in header_row]
    columns: dict[str, int] = {}
    duplicates: dict[str, list[int]] = {}
    taken: set[int] = set()
    # Custom headers first, then each field's aliases in order of preference, so a form's
    # "Timestamp" only stands in for the session date when there is no "Date" column.
    wanted: list[tuple[str, tuple[str, ...]]] = [(name, (h,)) for name, h in custom.items()]
    wanted += [(f.name, f.aliases) for f in kind.fields if f.name not in custom]
    for name, aliases in wanted:
        for alias in aliases:
            alias_key = header_key(alias)
            hits = [i for i, key in enumerate(keys) if key and key == alias_key]
            hits = [i for i in hits if i not in taken]
            if hits:
                columns[name] = hits[0]
                taken.add(hits[0])
                if len(hits) > 1:
                    duplicates[name] = hits
                break
    return columns, duplicates


def _missing_groups(kind: SheetKind, columns: Mapping[str, int]) -> list[tuple[str, ...]]:
    return [group for group in kind.required if not any(name in columns for name in group)]


def _duplicate_issues(
    duplicates: Mapping[str, list[int]], kind: SheetKind, row: int, source: str, tab: str
) -> list[DataIssue]:
    return [
        DataIssue(
            source,
            tab,
            a1(row, hits[1]),
            kind.field(name).label,
            f"more than one column is headed like '{kind.field(name).label}' "
            f"({', '.join(column_letter(i) for i in hits)}); only column "
            f"{column_letter(hits[0])} was read",
            "rename or remove the extra column",
            Severity.WARNING,
        )
        for name, hits in duplicates.items()
    ]
