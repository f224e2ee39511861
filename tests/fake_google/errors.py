"""Google-shaped errors: one exception type that every handler raises and the server renders."""

from __future__ import annotations

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
    ) -> None:
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
        self.headers = dict(headers or {})
        super().__init__(f"{code} {self.status}: {self.message}")

    def body(self) -> dict[str, Any]:
        """The JSON document Google sends for this error."""
        detail: dict[str, Any] = {
            "message": self.message,
            "domain": self.domain,
            "reason": self.reason,
        }
        if self.location:
            detail["location"] = self.location
            detail["locationType"] = "parameter"
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "status": self.status,
                "errors": [detail],
            }
        }


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
