"""Fault injection: Google-shaped errors, dropped connections, timeouts, errors after apply,
seeded random faults on every API, a run cut off after k writes, and quotas."""

from __future__ import annotations

import random
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .errors import USAGE_LIMIT_REASONS, GoogleError, sheets_rate_limit_info
from .fake_sheets import is_read

QUOTA_BUCKETS = ("sheets_read", "sheets_write", "calendar", "drive")
_QUOTA_METRICS = {
    "sheets_read": ("Read requests", "sheets.googleapis.com"),
    "sheets_write": ("Write requests", "sheets.googleapis.com"),
    "calendar": ("Queries", "calendar-json.googleapis.com"),
    "drive": ("Queries", "drive.googleapis.com"),
}

# The kinds of fault `Faults.chaos` draws from, as counted in `Faults.injected`. "applied+..."
# applies the request first (the write lands), then answers 503, closes the connection, or
# holds it past the client's timeout. A timeout holds the connection `hold_seconds` without
# answering: give the client a shorter timeout (workspace.google.timeout_seconds).
KINDS = (
    "429",
    "403 rate",
    "500",
    "503",
    "dropped",
    "timeout",
    "applied+503",
    "applied+dropped",
    "applied+timeout",
)
# A batch part answers on its own inside the batch's reply; losing the connection is a fault of
# the whole batch request, so parts draw only from these.
PART_KINDS = ("429", "403 rate", "500", "503", "applied+503")
_BEFORE_APPLY = {"applied+503": "503", "applied+dropped": "dropped", "applied+timeout": "timeout"}
_WRITE_VERBS = frozenset(
    {"insert", "patch", "update", "delete", "create", "copy", "move", "import", "quickAdd"}
)


def quota_bucket(method_id: str) -> str | None:
    """Which per-minute quota a method draws from (None for batch envelopes)."""
    if method_id.endswith(".batch"):
        return None
    if method_id.startswith("sheets."):
        return "sheets_read" if is_read(method_id) else "sheets_write"
    api = method_id.split(".", 1)[0]
    return api if api in ("calendar", "drive") else None


def is_write(method_id: str) -> bool:
    """Whether a method changes state (what a cut-off counts, and what "applied+" faults need):
    every Sheets method but the reads; Calendar and Drive inserts, patches, updates, deletes,
    creates, copies. A batch envelope is not a write; its parts are."""
    if method_id.endswith(".batch") or method_id == "unknown":
        return False
    if method_id.startswith("sheets."):
        return not is_read(method_id)
    return method_id.rsplit(".", 1)[-1] in _WRITE_VERBS


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
    how: str = "503"  # after apply: "503", "dropped" or "timeout"
    error: GoogleError | None = None  # a `refuse` rule's answer

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


@dataclass(frozen=True)
class _Chaos:
    method: str | None
    rate: float
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class Fault:
    """What the server does wrong with one request (or batch part)."""

    kind: str  # one of KINDS, or "forbidden" (a cut-off) or the status of a `fail` rule
    error: GoogleError | None = None  # answer this error
    drop: bool = False  # close the connection without answering
    hold_seconds: float = 0.0  # first hold the connection this long (a timeout)
    after_apply: bool = False  # apply the request, then misbehave


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


def _kind_of(status: int, reason: str | None) -> str:
    if status == 403 and reason in USAGE_LIMIT_REASONS:
        return "403 rate"
    return "forbidden" if status == 403 else str(status)


class Faults:
    """What the fake should do wrong, and when. All methods are safe to call mid-test."""

    def __init__(self, rng: random.Random, clock: Callable[[], float]) -> None:
        self._rng = rng
        self._clock = clock
        self._fail_rules: list[_Rule] = []
        self._drop_rules: list[_Rule] = []
        self._after_apply_rules: list[_Rule] = []
        self._chaos: list[_Chaos] = []
        self._quotas: dict[str, int] = {}
        self._windows: dict[str, deque[float]] = {b: deque() for b in QUOTA_BUCKETS}
        self._writes_left: int | None = None  # a cut-off: writes still let through
        self._cut_how = "forbidden"
        # Added to each HTTP request's answer: a round trip. A batch request costs one; its
        # parts add none (Google serves them behind the one round trip).
        self.latency_seconds = 0.0
        self.hold_seconds = 1.0  # how long a "timeout" holds the connection unanswered
        self.quota_rejections = 0
        self.injected: Counter[str] = Counter()  # faults the server acted on, by kind
        self.writes_applied = 0  # write requests (and batch parts) that changed state

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

    def refuse(
        self,
        error: GoogleError,
        *,
        method: str | None = None,
        nth: int | None = None,
        times: int = 1,
        rate: float | None = None,
    ) -> None:
        """Answer `error` (a GoogleError with Google's exact body, such as
        errors.storage_quota_exceeded() or errors.calendar_usage_limits_exceeded()), on the
        requests `fail` would pick with the same `method`, `nth`, `times` and `rate` (rate=1:
        every matching request, as a refusal that lasts). Counted in `injected` as
        "<status> <reason>"."""
        self._fail_rules.append(_Rule(method, nth, times, rate, error.code, error=error))

    def drop(self, method: str | None = None, nth: int | None = None, times: int = 1) -> None:
        """Close the connection without answering (top-level requests only, not batch parts).

        httplib2 (googleapiclient) silently retries a dropped request once on a fresh
        connection; requests (gspread) raises ConnectionError.
        """
        self._drop_rules.append(_Rule(method, nth, times, None))

    def fail_after_apply(self, method: str, times: int = 1, *, how: str = "503") -> None:
        """Apply the next `times` successful matching requests, then answer 503 anyway
        (how="503"), close the connection unanswered ("dropped"), or hold it `hold_seconds`
        first ("timeout"). A batch part that is dropped or held after apply takes its whole
        batch request's reply with it (the other parts are applied too)."""
        if how not in ("503", "dropped", "timeout"):
            raise ValueError(f"how must be '503', 'dropped' or 'timeout', not {how!r}")
        self._after_apply_rules.append(_Rule(method, None, times, None, status=503, how=how))

    def chaos(
        self,
        rate: float,
        *,
        kinds: Iterable[str] = KINDS,
        method: str | None = None,
        hold_seconds: float | None = None,
        seed: int | None = None,
    ) -> None:
        """Each matching request fails with probability `rate`, in a kind drawn uniformly from
        `kinds` (seeded: FakeGoogle(seed=...), or `seed` to start the draws afresh). Batch
        parts draw from the kinds in PART_KINDS; a batch request as a whole (method
        "calendar.batch"/"drive.batch", or None) from all, "applied+..." meaning every part
        applied and the reply lost. On a request that writes nothing, "applied+X" is plain X.
        Rules add up; the first that fires wins."""
        chosen = tuple(dict.fromkeys(kinds))
        unknown = [kind for kind in chosen if kind not in KINDS]
        if unknown or not chosen:
            raise ValueError(f"kinds must be some of {KINDS}, not {unknown or 'none'}")
        if not 0 <= rate <= 1:
            raise ValueError(f"rate must be between 0 and 1, not {rate}")
        if hold_seconds is not None:
            self.hold_seconds = hold_seconds
        if seed is not None:
            self._rng.seed(seed)
        self._chaos.append(_Chaos(method, rate, chosen))

    def stop_after_writes(self, writes: int, *, how: str = "forbidden") -> None:
        """Let `writes` more write requests (batch parts counted one by one) change state, then
        refuse every request, reads too, as a run killed halfway would never get to make them:
        403 forbidden (how="forbidden", not retried) or a closed connection ("dropped", retried
        until the client gives up; a batch is cut mid-way and its reply lost)."""
        if how not in ("forbidden", "dropped"):
            raise ValueError(f"how must be 'forbidden' or 'dropped', not {how!r}")
        self._writes_left = writes
        self._cut_how = how

    def quota(self, per_minute: int, *, bucket: str) -> None:
        """A sliding 60 s window per bucket over the injected clock; over it answers 429."""
        if bucket not in QUOTA_BUCKETS:
            raise ValueError(f"bucket must be one of {QUOTA_BUCKETS}, not {bucket!r}")
        self._quotas[bucket] = per_minute

    def clear(self) -> None:
        """Forget every rule, random fault, cut-off and quota (latency back to 0). The counts
        (`injected`, `writes_applied`) stay."""
        self._fail_rules.clear()
        self._drop_rules.clear()
        self._after_apply_rules.clear()
        self._chaos.clear()
        self._quotas.clear()
        self._writes_left = None
        self.latency_seconds = 0.0

    # ------------------------------------------------------------------ used by the server

    def decide(self, method_id: str, *, in_batch: bool) -> Fault | None:
        """The fault for a request about to be handled, if any (one with after_apply=True is
        acted on only once the request succeeded). Checked in order: a cut-off, drop rules
        (not for batch parts), fail rules, quotas, random faults."""
        if self._writes_left is not None and self._writes_left <= 0:
            if self._cut_how == "dropped":
                return Fault("dropped", drop=True)
            return Fault("forbidden", error=fault_error(403, None, None))
        if not in_batch and self.should_drop(method_id):
            return Fault("dropped", drop=True)
        for rule in self._fail_rules:
            if rule.fires(method_id, self._rng):
                if rule.error is not None:
                    return Fault(f"{rule.error.code} {rule.error.reason}", error=rule.error)
                error = fault_error(rule.status, rule.reason, rule.retry_after)
                return Fault(_kind_of(rule.status, rule.reason), error=error)
        over_quota = self._check_quota(method_id)
        if over_quota is not None:
            return Fault("quota 429", error=over_quota)
        return self._random_fault(method_id, in_batch)

    def after_apply(self, method_id: str, decided: Fault | None) -> Fault | None:
        """Called once a request succeeded: counts a write toward a cut-off, and returns the
        fault to answer with instead of the reply (a random one decided before, or a
        fail_after_apply rule), if any."""
        if is_write(method_id):
            self.writes_applied += 1
            if self._writes_left is not None:
                self._writes_left -= 1
        if decided is not None and decided.after_apply:
            return decided
        for rule in self._after_apply_rules:
            if rule.fires(method_id, self._rng):
                return self._fault_of_kind(f"applied+{rule.how}")
        return None

    def should_drop(self, method_id: str) -> bool:
        return any(rule.fires(method_id, self._rng) for rule in self._drop_rules)

    def _random_fault(self, method_id: str, in_batch: bool) -> Fault | None:
        for rule in self._chaos:
            if not _matches(rule.method, method_id) or self._rng.random() >= rule.rate:
                continue
            allowed = [kind for kind in rule.kinds if not in_batch or kind in PART_KINDS]
            if not allowed:
                continue
            kind = self._rng.choice(allowed)
            # Nothing to apply first: a read (a batch request as a whole applies its parts).
            if not (is_write(method_id) or method_id.endswith(".batch")):
                kind = _BEFORE_APPLY.get(kind, kind)
            return self._fault_of_kind(kind)
        return None

    def _fault_of_kind(self, kind: str) -> Fault:
        after = kind.startswith("applied+")
        how = kind.removeprefix("applied+")
        if how == "dropped":
            return Fault(kind, drop=True, after_apply=after)
        if how == "timeout":
            return Fault(kind, drop=True, hold_seconds=self.hold_seconds, after_apply=after)
        if how == "403 rate":
            return Fault(kind, error=fault_error(403, "rateLimitExceeded", None))
        status = int(how)
        reason = "rateLimitExceeded" if status == 429 else None
        return Fault(kind, error=fault_error(status, reason, None), after_apply=after)

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
            details = []
            if service == "sheets.googleapis.com":  # Sheets names the quota in an ErrorInfo
                kind = metric.split()[0]  # "Read" or "Write"
                details = [
                    sheets_rate_limit_info(
                        {
                            "consumer": "projects/0",
                            "quota_limit": f"{kind}RequestsPerMinutePerUser",
                            "quota_metric": f"{service}/{kind.lower()}_requests",
                        }
                    )
                ]
            return GoogleError(
                429,
                f"Quota exceeded for quota metric '{metric}' and limit '{metric} per minute "
                f"per user' of service '{service}' for consumer 'project_number:0'.",
                reason="rateLimitExceeded",
                details=details,
            )
        window.append(now)
        return None
