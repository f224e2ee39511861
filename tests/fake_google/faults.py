"""Fault injection: Google-shaped errors, dropped connections, errors after apply, quotas."""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from .errors import USAGE_LIMIT_REASONS, GoogleError
from .fake_sheets import is_read

QUOTA_BUCKETS = ("sheets_read", "sheets_write", "calendar", "drive")
_QUOTA_METRICS = {
    "sheets_read": ("Read requests", "sheets.googleapis.com"),
    "sheets_write": ("Write requests", "sheets.googleapis.com"),
    "calendar": ("Queries", "calendar-json.googleapis.com"),
    "drive": ("Queries", "drive.googleapis.com"),
}


def quota_bucket(method_id: str) -> str | None:
    """Which per-minute quota a method draws from (None for batch envelopes)."""
    if method_id.endswith(".batch"):
        return None
    if method_id.startswith("sheets."):
        return "sheets_read" if is_read(method_id) else "sheets_write"
    api = method_id.split(".", 1)[0]
    return api if api in ("calendar", "drive") else None


def _matches(pattern: str | None, method_id: str) -> bool:
    """A rule's method matches an exact id or any id below a prefix ("sheets", "drive.files")."""
    return pattern is None or method_id == pattern or method_id.startswith(pattern + ".")


@dataclass
class _Rule:
    method: str | None
    nth: int | None
    times: int
    rate: float | None
    status: int = 0
    reason: str | None = None
    retry_after: int | None = None
    seen: int = 0
    fired: int = 0

    def fires(self, method_id: str, rng: random.Random) -> bool:
        if not _matches(self.method, method_id):
            return False
        self.seen += 1
        if self.rate is not None:
            hit = rng.random() < self.rate
        elif self.nth is not None:
            hit = self.nth <= self.seen < self.nth + self.times
        else:
            hit = self.fired < self.times
        self.fired += hit
        return hit


def fault_error(status: int, reason: str | None, retry_after: int | None) -> GoogleError:
    """The error Google sends for an injected status (429, 403 rate/forbidden, 5xx...)."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    if status == 403 and (reason is None or reason == "forbidden"):
        return GoogleError(403, "The caller does not have permission", headers=headers)
    if reason in USAGE_LIMIT_REASONS or status == 429:
        message = {
            "userRateLimitExceeded": "User Rate Limit Exceeded",
            "dailyLimitExceeded": "Daily Limit Exceeded",
            "quotaExceeded": "Quota exceeded.",
        }.get(reason or "", "Rate Limit Exceeded")
        status_text = "RESOURCE_EXHAUSTED" if status == 429 else None
        return GoogleError(status, message, reason=reason, status=status_text, headers=headers)
    return GoogleError(status, reason=reason, headers=headers)


class Faults:
    """What the fake should do wrong, and when. All methods are safe to call mid-test."""

    def __init__(self, rng: random.Random, clock: Callable[[], float]) -> None:
        self._rng = rng
        self._clock = clock
        self._fail_rules: list[_Rule] = []
        self._drop_rules: list[_Rule] = []
        self._after_apply_rules: list[_Rule] = []
        self._quotas: dict[str, int] = {}
        self._windows: dict[str, deque[float]] = {b: deque() for b in QUOTA_BUCKETS}
        self.latency_seconds = 0.0
        self.quota_rejections = 0

    def fail(
        self,
        status: int,
        *,
        method: str | None = None,
        nth: int | None = None,
        times: int = 1,
        rate: float | None = None,
        reason: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer `status` with Google's error JSON.

        Fires on matching requests number nth .. nth+times-1 (1-based, counted from now), or
        on the next `times` matching requests when nth is None, or on each matching request
        with probability `rate` (seeded: FakeGoogle(seed=...)). `method` is a discovery id
        ("sheets.spreadsheets.values.batchGet") or a prefix ("calendar"); None matches all.
        """
        self._fail_rules.append(_Rule(method, nth, times, rate, status, reason, retry_after))

    def drop(self, method: str | None = None, nth: int | None = None, times: int = 1) -> None:
        """Close the connection without answering (top-level requests only, not batch parts).

        httplib2 (googleapiclient) silently retries a dropped request once on a fresh
        connection; requests (gspread) raises ConnectionError.
        """
        self._drop_rules.append(_Rule(method, nth, times, None))

    def fail_after_apply(self, method: str, times: int = 1) -> None:
        """Apply the next `times` successful matching requests, then answer 503 anyway."""
        self._after_apply_rules.append(_Rule(method, None, times, None, status=503))

    def quota(self, per_minute: int, *, bucket: str) -> None:
        """A sliding 60 s window per bucket over the injected clock; over it answers 429."""
        if bucket not in QUOTA_BUCKETS:
            raise ValueError(f"bucket must be one of {QUOTA_BUCKETS}, not {bucket!r}")
        self._quotas[bucket] = per_minute

    def clear(self) -> None:
        """Forget every rule and quota (latency back to 0)."""
        self._fail_rules.clear()
        self._drop_rules.clear()
        self._after_apply_rules.clear()
        self._quotas.clear()
        self.latency_seconds = 0.0

    # ------------------------------------------------------------------ used by the server

    def should_drop(self, method_id: str) -> bool:
        return any(rule.fires(method_id, self._rng) for rule in self._drop_rules)

    def error_for(self, method_id: str) -> GoogleError | None:
        for rule in self._fail_rules:
            if rule.fires(method_id, self._rng):
                return fault_error(rule.status, rule.reason, rule.retry_after)
        return self._check_quota(method_id)

    def fails_after_apply(self, method_id: str) -> bool:
        return any(rule.fires(method_id, self._rng) for rule in self._after_apply_rules)

    def _check_quota(self, method_id: str) -> GoogleError | None:
        bucket = quota_bucket(method_id)
        if bucket is None or bucket not in self._quotas:
            return None
        now = self._clock()
        window = self._windows[bucket]
        while window and window[0] <= now - 60:
            window.popleft()
        if len(window) >= self._quotas[bucket]:
            self.quota_rejections += 1
            metric, service = _QUOTA_METRICS[bucket]
            return GoogleError(
                429,
                f"Quota exceeded for quota metric '{metric}' and limit '{metric} per minute "
                f"per user' of service '{service}' for consumer 'project_number:0'.",
                reason="rateLimitExceeded",
            )
        window.append(now)
        return None
