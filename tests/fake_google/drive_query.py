"""Drive `q` search queries -> a predicate over stored file resources.

Supported clauses (joined by `and`, `or`, `not` and parentheses):
  '<id>' in parents            mimeType = '...' / != '...'     name = / != / contains '...'
  trashed = true|false          starred = true|false            fullText contains '...'
  appProperties has { key='k' and value='v' }                   properties has { ... }
  createdTime / modifiedTime  = != < <= > >=  'RFC 3339'        sharedWithMe = true|false
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .errors import GoogleError

Predicate = Callable[[dict[str, Any]], bool]

# Values in single or double quotes: Drive takes both (gspread's cassette
# ClientTest.test_no_found_exeption: name = "..." answered 200).
_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
    r"|(?P<op>!=|<=|>=|=|<|>|\(|\)|\{|\})"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))"
)
_STRING_FIELDS = {"name", "mimeType", "fullText"}
_BOOL_FIELDS = {"trashed", "starred", "sharedWithMe"}
_TIME_FIELDS = {"createdTime", "modifiedTime"}
_IN_FIELDS = {"parents", "owners", "writers", "readers"}


def invalid_query() -> GoogleError:
    return GoogleError(400, "Invalid Value", reason="invalid", location="q")


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        found = _TOKEN.match(text, pos)
        if not found:
            raise invalid_query()
        kind = found.lastgroup or ""
        value = found.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        tokens.append((kind, value))
        pos = found.end()
    return tokens


class _Parser:
    def __init__(self, text: str, resolve_id: Callable[[str], str]) -> None:
        self.tokens = _tokens(text)
        self.pos = 0
        self.resolve_id = resolve_id

    def peek(self, offset: int = 0) -> tuple[str, str]:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else ("end", "")

    def take(self, kind: str | None = None, value: str | None = None) -> str:
        token_kind, token_value = self.peek()
        if (kind and token_kind != kind) or (value and token_value.lower() != value.lower()):
            raise invalid_query()
        self.pos += 1
        return token_value

    def is_word(self, word: str) -> bool:
        kind, value = self.peek()
        return kind == "word" and value.lower() == word

    def parse(self) -> Predicate:
        predicate = self.any_of()
        if self.peek()[0] != "end":
            raise invalid_query()
        return predicate

    def any_of(self) -> Predicate:
        options = [self.all_of()]
        while self.is_word("or"):
            self.pos += 1
            options.append(self.all_of())
        return options[0] if len(options) == 1 else lambda f: any(p(f) for p in options)

    def all_of(self) -> Predicate:
        parts = [self.unary()]
        while self.is_word("and"):
            self.pos += 1
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else lambda f: all(p(f) for p in parts)

    def unary(self) -> Predicate:
        if self.is_word("not"):
            self.pos += 1
            inner = self.unary()
            return lambda f: not inner(f)
        if self.peek() == ("op", "("):
            self.pos += 1
            inner = self.any_of()
            self.take("op", ")")
            return inner
        return self.clause()

    def clause(self) -> Predicate:
        kind, value = self.peek()
        if kind == "string":
            self.pos += 1
            self.take("word", "in")
            field = self.take("word")
            if field not in _IN_FIELDS:
                raise invalid_query()
            return self.membership(value, field)
        field = self.take("word")
        if self.is_word("has"):
            self.pos += 1
            return self.has(field)
        operator = self.take("word", "contains") if self.is_word("contains") else self.take("op")
        operand_kind, operand = self.peek()
        self.pos += 1
        return self.comparison(field, operator.lower(), operand_kind, operand)

    def membership(self, value: str, field: str) -> Predicate:
        if field == "parents":
            wanted = self.resolve_id(value)
            return lambda f: wanted in (f.get("parents") or [])
        if field == "owners":
            return lambda f: any(o.get("emailAddress") == value for o in f.get("owners") or [])
        raise GoogleError(501, f"fake_google does not support '... in {field}' in q.")

    def has(self, field: str) -> Predicate:
        if field not in ("appProperties", "properties"):
            raise invalid_query()
        self.take("op", "{")
        self.take("word", "key")
        self.take("op", "=")
        key = self.take("string")
        self.take("word", "and")
        self.take("word", "value")
        self.take("op", "=")
        value = self.take("string")
        self.take("op", "}")
        return lambda f: (f.get(field) or {}).get(key) == value

    def comparison(self, field: str, operator: str, kind: str, operand: str) -> Predicate:
        if field in _BOOL_FIELDS:
            if kind != "word" or operand.lower() not in ("true", "false"):
                raise invalid_query()
            if operator not in ("=", "!="):
                raise invalid_query()
            expected = operand.lower() == "true"
            negate = operator == "!="
            return lambda f: (bool(f.get(field, False)) == expected) != negate
        if kind != "string":
            raise invalid_query()
        if field in _STRING_FIELDS:
            if field == "fullText":
                if operator != "contains":
                    raise invalid_query()
                needle = operand.lower()
                return lambda f: needle in f"{f.get('name', '')} {f.get('description', '')}".lower()
            if operator == "contains":
                needle = operand.lower()
                return lambda f: needle in str(f.get(field, "")).lower()
            if operator not in ("=", "!="):
                raise invalid_query()
            negate = operator == "!="
            return lambda f: (f.get(field) == operand) != negate
        if field in _TIME_FIELDS:
            compare = {
                "=": lambda a, b: a == b,
                "!=": lambda a, b: a != b,
                "<": lambda a, b: a < b,
                "<=": lambda a, b: a <= b,
                ">": lambda a, b: a > b,
                ">=": lambda a, b: a >= b,
            }.get(operator)
            if compare is None:
                raise invalid_query()
            bound = _normal_time(operand)
            return lambda f: compare(_normal_time(f.get(field, "")), bound)
        raise invalid_query()


def _normal_time(text: str) -> str:
    text = text.replace("Z", "+00:00")
    return text if "." in text else text.replace("+", ".000+", 1)


def compile_query(text: str, resolve_id: Callable[[str], str]) -> Predicate:
    """Parse `q`; raises GoogleError 400 "Invalid Value" (location q) like Drive does."""
    if not text.strip():
        return lambda f: True
    return _Parser(text, resolve_id).parse()
