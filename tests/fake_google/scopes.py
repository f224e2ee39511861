"""Which tokens may call which method: the scopes each method lists in its discovery document.

A call whose token carries none of the scopes its method lists answers 403 PERMISSION_DENIED
"Request had insufficient authentication scopes." (errors.insufficient_scopes). A token that
reaches the method only through a per-file scope (`drive.file` above all) reaches only the
files its app made or a person opened with it (fake_drive.FakeDrive.reaches): Drive answers 404
for any other file, Sheets 404 for any other spreadsheet.

Not modelled: what the narrower Calendar scopes limit (calendar.app.created: calendars the app
made; calendar.events.owned: calendars the account owns; calendar.events.public.readonly,
calendar.events.freebusy, calendar.freebusy: the calendars those name), which the fake lets
reach every calendar; and what drive.appdata, drive.photos.readonly and drive.meet.readonly
limit, which the fake treats like drive.file. Read-only scopes are modelled by the discovery
lists themselves (spreadsheets.readonly is listed by reads only).
"""

from __future__ import annotations

from .discovery import Method
from .errors import insufficient_scopes
from .fake_auth import Grant

AUTH = "https://www.googleapis.com/auth/"
DRIVE = AUTH + "drive"
DRIVE_FILE = AUTH + "drive.file"
# Scopes that reach only some files: those the app made or was given (Drive's scope guide).
PER_FILE = frozenset(
    AUTH + name
    for name in ("drive.file", "drive.appdata", "drive.photos.readonly", "drive.meet.readonly")
) | {AUTH + "drive.scripts"}


def accepted(method: Method) -> tuple[str, ...]:
    """The scopes the method's discovery document lists (any one of them is enough)."""
    return tuple(method.spec.get("scopes", ()))


def per_file_only(method: Method, grant: Grant | None) -> bool:
    """Whether the grant reaches this method only through a per-file scope (so only its app's
    files). Raises GoogleError 403 ACCESS_TOKEN_SCOPE_INSUFFICIENT when it has none of the
    method's scopes. A request without credentials (the test's own hand) reaches everything."""
    if grant is None:
        return False
    listed = accepted(method)
    if not listed:
        return False
    allowed = grant.scopes.intersection(listed)
    if not allowed:
        raise insufficient_scopes(method.id, listed)
    return allowed <= PER_FILE
