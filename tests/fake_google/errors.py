"""Google-shaped errors: one exception type that every handler raises and the server renders."""

from __future__ import annotations

import re
from typing import Any

# HTTP status -> (canonical status, default reason, default domain), as Google's JSON errors say.
_CANONICAL: dict[int, tuple[str, str, str]] = {
    400: ("INVALID_ARGUMENT", "badRequest", "global"),
    401: ("UNAUTHENTICATED", "authError", "global"),
    403: ("PERMISSION_DENIED", "forbidden", "global"),
    404: ("NOT_FOUND", "notFound", "global"),
    409: ("ALREADY_EXISTS", "duplicate", "global"),
    410: ("FAILED_PRECONDITION", "deleted", "global"),
    412: ("FAILED_PRECONDITION", "conditionNotMet", "global"),
    429: ("RESOURCE_EXHAUSTED", "rateLimitExceeded", "usageLimits"),
    500: ("INTERNAL", "backendError", "global"),
    501: ("UNIMPLEMENTED", "notImplemented", "global"),
    502: ("UNAVAILABLE", "backendError", "global"),
    503: ("UNAVAILABLE", "backendError", "global"),
    504: ("DEADLINE_EXCEEDED", "backendError", "global"),
}

# Reasons that Calendar and Drive report under the usageLimits domain (403 or 429).
USAGE_LIMIT_REASONS = frozenset(
    {"userRateLimitExceeded", "rateLimitExceeded", "dailyLimitExceeded", "quotaExceeded"}
)

_DEFAULT_MESSAGES = {
    429: "Quota exceeded: rate limit exceeded.",
    500: "Internal error encountered.",
    502: "Bad gateway.",
    503: "The service is currently unavailable.",
    504: "Deadline exceeded.",
}


class GoogleError(Exception):
    """An error answer: HTTP status plus the fields of Google's error JSON."""

    def __init__(
        self,
        code: int,
        message: str | None = None,
        *,
        reason: str | None = None,
        domain: str | None = None,
        status: str | None = None,
        location: str | None = None,
        headers: dict[str, str] | None = None,
        location_type: str = "parameter",
        errors_message: str | None = None,
        details: list[dict[str, Any]] | None = None,
        legacy_errors: bool = True,
    ) -> None:
        """`errors_message`: the message of the legacy errors[] entry when it differs from the
        error's own; `details`: google.rpc details (ErrorInfo); `legacy_errors`: False for an
        API that sends no errors[] (Sheets v4 for some errors)."""
        canonical, default_reason, default_domain = _CANONICAL.get(
            code, ("UNKNOWN", "unknown", "global")
        )
        self.code = code
        self.message = message or _DEFAULT_MESSAGES.get(code, canonical.replace("_", " ").title())
        self.reason = reason or default_reason
        if domain is None:
            domain = "usageLimits" if self.reason in USAGE_LIMIT_REASONS else default_domain
        self.domain = domain
        self.status = status or canonical
        self.location = location
        self.location_type = location_type
        self.errors_message = errors_message
        self.details = list(details or [])
        self.legacy_errors = legacy_errors
        self.headers = dict(headers or {})
        super().__init__(f"{code} {self.status}: {self.message}")

    def body(self) -> dict[str, Any]:
        """The JSON document Google sends for this error."""
        detail: dict[str, Any] = {
            "message": self.errors_message or self.message,
            "domain": self.domain,
            "reason": self.reason,
        }
        if self.location:
            detail["location"] = self.location
            detail["locationType"] = self.location_type
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.legacy_errors:
            error["errors"] = [detail]
        error["status"] = self.status
        if self.details:
            error["details"] = self.details
        return {"error": error}


def bad_request(message: str, *, location: str | None = None) -> GoogleError:
    return GoogleError(400, message, location=location)


def not_found(message: str, *, location: str | None = None) -> GoogleError:
    return GoogleError(404, message, location=location)


# Drive's answer to a service account creating or copying a file it would own outside a shared
# drive (since 2025 service accounts have no storage quota of their own). Not a rate limit:
# waiting never helps.
NO_STORAGE_QUOTA = (
    "Service Accounts do not have storage quota. Leverage shared drives "
    "(https://developers.google.com/workspace/drive/api/guides/about-shareddrives), or use "
    "OAuth delegation (http://support.google.com/a/answer/7281227) instead."
)
# Calendar's answer once an account made too many changes (events, invitations, calendars)
# recently: the calendar is read-only for that account for some hours (Google Workspace Admin
# help, "Avoid Calendar use limits"). Not a rate limit either.
CALENDAR_USAGE_LIMITS = "Calendar usage limits exceeded."


def storage_quota_exceeded() -> GoogleError:
    """Drive: 403 usageLimits/storageQuotaExceeded, as a service account's create or copy of a
    file outside a shared drive gets it."""
    return GoogleError(403, NO_STORAGE_QUOTA, reason="storageQuotaExceeded", domain="usageLimits")


def calendar_usage_limits_exceeded() -> GoogleError:
    """Calendar: 403 usageLimits/quotaExceeded, as every change gets it while Google keeps the
    calendar read-only for the account (hours, not seconds)."""
    return GoogleError(403, CALENDAR_USAGE_LIMITS, reason="quotaExceeded", domain="usageLimits")


# A token without any scope a method accepts. The body, as Google sends it, quoted in public
# reports: Drive v3 (ShareX/ShareX#7681, "Missing scope: google.apps.drive.v3.DriveFiles.Create")
# and Calendar v3 (analogdotnow/Analog#296, calendar.v3.CalendarList.List) keep the legacy
# errors[] entry {"message": "Insufficient Permission", "domain": "global", "reason":
# "insufficientPermissions"}; all carry status PERMISSION_DENIED and a google.rpc.ErrorInfo
# with reason ACCESS_TOKEN_SCOPE_INSUFFICIENT, domain googleapis.com and the method and service
# (Sheets: Openscapes/kyber#39, google.apps.sheets.v4.SpreadsheetsService.GetSpreadsheet). The
# WWW-Authenticate header names the scopes the method accepts (google/googleapis.dart#208).
INSUFFICIENT_SCOPES = "Request had insufficient authentication scopes."
_SERVICES = {
    "sheets": ("sheets.googleapis.com", "google.apps.sheets.v4.SpreadsheetsService"),
    "drive": ("drive.googleapis.com", "google.apps.drive.v3.Drive"),
    "calendar": ("calendar-json.googleapis.com", "calendar.v3."),
}


def insufficient_scopes(method_id: str, accepted: list[str] | tuple[str, ...]) -> GoogleError:
    """403 ACCESS_TOKEN_SCOPE_INSUFFICIENT for a call of `method_id` (e.g. "drive.files.get")
    whose token has none of the `accepted` scopes."""
    api, *names = method_id.split(".")
    service, prefix = _SERVICES[api]
    words = [name[:1].upper() + name[1:] for name in names]
    if api == "sheets":  # ...SpreadsheetsService.GetSpreadsheet (the others by its pattern)
        rpc = f"{prefix}.{words[-1]}{words[-2] if len(words) > 2 else 'Spreadsheet'}"
    else:  # e.g. google.apps.drive.v3.DriveFiles.Create, calendar.v3.Events.Insert
        rpc = prefix + "".join(words[:-1]) + "." + words[-1]
    info = {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
        "domain": "googleapis.com",
        "metadata": {"method": rpc, "service": service},
    }
    challenge = (
        'Bearer realm="https://accounts.google.com/", error="insufficient_scope", '
        f'scope="{" ".join(accepted)}"'
    )
    return GoogleError(
        403,
        INSUFFICIENT_SCOPES,
        reason="insufficientPermissions",
        errors_message="Insufficient Permission",
        details=[info],
        legacy_errors=api != "sheets",
        headers={"WWW-Authenticate": challenge},
    )


# Sheets v4 answers errors in the newer shape: code, message, status and google.rpc details,
# without the legacy errors[] list that Drive v3 and Calendar v3 keep. Recorded: gspread's
# cassette ClientTest.test_access_non_existing_spreadsheet (404); issues
# gglukmann/use-google-sheets#37 (403), robin900/gspread-formatting#49 (400 "Unable to parse
# range"), Sage-Bionetworks/data_curator#110 (429 with an ErrorInfo RATE_LIMIT_EXCEEDED),
# googleapis/google-api-python-client#930 (400 unknown field, a BadRequest fieldViolation).
ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"
BAD_REQUEST = "type.googleapis.com/google.rpc.BadRequest"


def sheets_rate_limit_info(metadata: dict[str, str] | None = None) -> dict[str, Any]:
    """The ErrorInfo a Sheets rate limit carries (metadata: consumer, quota_limit,
    quota_metric, service, when known)."""
    return {
        "@type": ERROR_INFO,
        "reason": "RATE_LIMIT_EXCEEDED",
        "domain": "googleapis.com",
        "metadata": {"service": "sheets.googleapis.com", **(metadata or {})},
    }


def sheets_body(error: GoogleError) -> dict[str, Any]:
    """`error` as Sheets v4 sends it: no errors[]; a rate limit gets an ErrorInfo and a body
    field Google cannot read a BadRequest field violation, unless the error has details."""
    body: dict[str, Any] = error.body()["error"]
    body.pop("errors", None)
    if not body.get("details"):
        field_path = getattr(error, "field_path", None)
        if error.code == 429 or error.reason in USAGE_LIMIT_REASONS:
            body["details"] = [sheets_rate_limit_info()]
        elif error.code == 400 and field_path is not None:
            # The violation names where the bad name or value is ("at '<path>'").
            at = re.search(r" at '([^']*)'", error.message)
            field = at.group(1) if at else str(field_path)
            body["details"] = [
                {
                    "@type": BAD_REQUEST,
                    "fieldViolations": [{"field": field, "description": error.message}],
                }
            ]
    return {"error": body}
