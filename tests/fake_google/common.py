"""What every service handler receives and returns, plus small shared helpers."""

from __future__ import annotations

import base64
import json
import random
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .errors import bad_request
from .fake_auth import Grant


@dataclass
class Call:
    """One validated request, as a handler sees it."""

    method_id: str
    path_params: dict[str, str]
    query: dict[str, list[str]] = field(default_factory=dict)
    body: Any = None
    # Who calls (fake_auth.Grant; None: the test's own hand), and whether its token reaches
    # only its app's own files here (drive.file).
    grant: Grant | None = None
    per_file: bool = False

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def params(self, name: str) -> list[str]:
        return list(self.query.get(name, []))

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.param(name)
        return default if value is None else value.lower() == "true"

    def integer(self, name: str, default: int) -> int:
        value = self.param(name)
        return default if value is None else int(value)


@dataclass
class Reply:
    """A handler's answer; `default_fields` is Google's partial response when `fields` is absent."""

    body: Any = None
    status: int = 200
    default_fields: str | None = None


def random_id(rng: random.Random, length: int, alphabet: str | None = None) -> str:
    alphabet = alphabet or string.ascii_letters + string.digits + "-_"
    return "".join(rng.choice(alphabet) for _ in range(length))


def now_rfc3339() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def encode_token(payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, what: str = "page token") -> dict[str, Any]:
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except ValueError as error:
        raise bad_request(f"Invalid {what}: {token!r}") from error
    if not isinstance(payload, dict):
        raise bad_request(f"Invalid {what}: {token!r}")
    return payload


def paginate(
    items: list[Any], page_token: str | None, page_size: int, fingerprint: str
) -> tuple[list[Any], str | None]:
    """One page of `items` and the token for the next page (None on the last page)."""
    offset = 0
    if page_token:
        payload = decode_token(page_token)
        if payload.get("q") != fingerprint or not isinstance(payload.get("o"), int):
            raise bad_request("Invalid page token: it belongs to a different query.")
        offset = payload["o"]
    page = items[offset : offset + page_size]
    more = offset + page_size < len(items)
    return page, encode_token({"o": offset + page_size, "q": fingerprint}) if more else None
