"""The one client layer every Google API call goes through: paced, retried, timed out, counted.

gspread gets a `PacedSession` as its session; google-api-python-client gets the same session
wrapped in `RequestsHttp`. Every HTTP attempt then passes through `PacedSession.send`, which
names the call after its discovery method id (`sheets.spreadsheets.values.batchGet`,
`calendar.events.insert`, ...), takes a token from that API's per-minute bucket and counts it.
`PacedSession.request` adds what a scheduled job needs around that: a timeout on every request,
bounded retries with jittered exponential backoff for rate limits, server errors and dropped
connections, and (for tests and emulators) an endpoint that replaces Google's hosts.

Nothing here knows about tutoring (a refusal's message names at most the setting that fixes
it); nothing here logs URLs, since they hold calendar and spreadsheet IDs and e-mail addresses.
"""

from __future__ import annotations

import email.utils
import functools
import json
import logging
import math
import random
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import httplib2
import requests
from google.auth.exceptions import GoogleAuthError, RefreshError, TransportError
from google.auth.transport.requests import AuthorizedSession
from googleapiclient.discovery_cache import get_static_doc

from jobs.errors import SignInError, WorkspaceError
from jobs.workspace.google import scopes
from jobs.workspace.google.auth import sign_in_error

_LOG = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], object]

# Requests per minute per bucket. Google's per-user limits, which is what binds tutorsync: one
# service account (or one coordinator) is one user however many jobs or shards share it.
DEFAULT_QUOTAS: Mapping[str, float] = {
    # Sheets: 60 read and 60 write requests per minute per user per project.
    "sheets_read": 60,
    "sheets_write": 60,
    # Calendar: 600 requests per minute per user per project, over a sliding window.
    "calendar": 600,
    # Drive counts quota units: 325,000 per minute per user (1,000,000 per project). The
    # dearest documented method is files.list at 100 units, so 600 requests a minute uses at
    # most 60,000 units, under a fifth of the user quota even if an undocumented method costs
    # several times that; it is also far under the older 12,000 queries a minute that
    # projects created before May 2026 keep.
    "drive": 600,
    # A request the discovery documents do not name: paced like the strictest API.
    "other": 60,
}

# Reasons inside a 403 (or 429) body that mean "slow down", not "you may not".
_RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
# Drive: a service account would own the file, and it has no storage of its own.
_NO_STORAGE = "storageQuotaExceeded"
# Calendar: the account made too many changes lately, and Google keeps the calendar read-only
# for it for hours. Drive: the account's storage is full. Never a short rate limit.
_QUOTA_EXCEEDED = "quotaExceeded"
# usageLimits reasons that no amount of waiting within a run fixes.
_PERMANENT_USAGE_LIMIT_REASONS = frozenset(
    {
        "accessNotConfigured",
        "dailyLimitExceeded",
        "dailyLimitExceededUnreg",
        "keyInvalid",
        _NO_STORAGE,
        _QUOTA_EXCEEDED,
    }
)
_CALENDAR_IN_URL = re.compile(r"/calendars/([^/?#]+)")
_RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_DROPPED_CONNECTION = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)
_GOOGLE_API_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")
_DISCOVERY_DOCUMENTS = (("sheets", "v4"), ("calendar", "v3"), ("drive", "v3"), ("drive", "v2"))
_SHEETS_READS_BY_POST = frozenset(
    {
        "sheets.spreadsheets.getByDataFilter",
        "sheets.spreadsheets.values.batchGetByDataFilter",
        "sheets.spreadsheets.developerMetadata.search",
    }
)
_BATCH_PART = re.compile(rb"(?im)^content-type:[ \t]*application/http\b")
_BATCH_REQUEST_LINE = re.compile(rb"(?m)^(GET|POST|PUT|PATCH|DELETE|HEAD) (\S+) HTTP/1\.[01]\r?$")
_TEMPLATE_VARIABLE = re.compile(r"\{(\+?)[^}]+\}")


# --- pacing --------------------------------------------------------------------------------


def wall_sleep(seconds: float) -> None:
    """time.sleep, looked up when called: a test that patches time.sleep (to run backoff
    without waiting) reaches the session and adapters built by the CLI too."""
    time.sleep(seconds)


class TokenBucket:
    """Paces acquisitions to at most `per_minute` in any 60-second window, shared by threads.

    A plain token bucket of capacity C refilling at per_minute/60 a second lets C + per_minute
    acquisitions into some 60 s window (a full bucket at the window's start, then a minute of
    refill), which is exactly what Google's per-minute quotas refuse. So two rules hold here:
    - the bucket (capacity `burst`, default one second's worth) smooths the rate (a caller that
      may spend a whole window at once, as PacedSession does, passes burst=per_minute);
    - a log of the last per_minute acquisition times makes the guarantee exact: an acquisition
      waits until fewer than per_minute acquisitions lie in the 60 s before it, so every
      window [t, t + 60 s) holds at most per_minute. (A per_minute below 1 means one
      acquisition per 60/per_minute seconds.)

    `acquire(n)` takes n at one instant (a batch HTTP request that Google counts as n calls).
    Waiting callers are served in order: each reserves its time under the lock, then sleeps
    outside it through the injected `sleep`.

    `held(n)` acquires around a request and, once it is answered, moves its n entries in the
    log to that moment: Google counts a call when it arrives (a batch's parts as it works
    through them), some time after it was sent, and a window measured from the send would let
    the next minute's first calls reach Google a little less than 60 s after the last ones
    were counted, which it refuses with 429. Measured from the answer, the window is never
    shorter on Google's side.
    """

    def __init__(
        self,
        per_minute: float,
        *,
        burst: int | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = wall_sleep,
    ) -> None:
        if not (math.isfinite(per_minute) and per_minute > 0):
            raise ValueError(f"per_minute must be a positive number, not {per_minute!r}")
        self.per_minute = float(per_minute)
        self.limit = max(1, math.floor(per_minute))  # acquisitions allowed per window
        self.window_seconds = 60.0 if per_minute >= 1 else 60.0 / per_minute
        default_burst = max(1, int(per_minute // 60))
        self.burst = min(self.limit, max(1, default_burst if burst is None else burst))
        self._rate = per_minute / 60.0  # tokens per second
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(self.burst)  # negative while callers hold reservations
        self._stamp = clock()
        self._recent: deque[float] = deque(maxlen=self.limit)  # reserved times, ascending
        self._last_slot = -math.inf

    def acquire(self, n: int = 1) -> float:
        """Block until n tokens are available, take them, and return the seconds waited."""
        self._check(n)
        if n == 0:
            return 0.0
        return self._take(n)[1]

    @contextmanager
    def held(self, n: int = 1) -> Iterator[float]:
        """Acquire n (yielding the seconds waited) for a request made inside the block; when
        the block ends, the n acquisitions count from then on (see the class's doc)."""
        self._check(n)
        if n == 0:
            yield 0.0
            return
        slot, waited = self._take(n)
        try:
            yield waited
        finally:
            self._settle(slot, n, self._clock())

    def _check(self, n: int) -> None:
        if n < 0:
            raise ValueError(f"cannot acquire {n} tokens")
        if n > self.limit:
            raise ValueError(
                f"{n} requests at once exceed the limit of {self.limit} per "
                f"{self.window_seconds:g} s; send smaller batches"
            )

    def _take(self, n: int) -> tuple[float, float]:
        """Reserve n at the first slot the rules allow and sleep until it: (slot, waited)."""
        with self._lock:
            now = self._clock()
            slot = self._reserve(now, n)
        if slot <= now:
            return slot, 0.0
        current = now
        while current < slot:  # loop: a sleep may return a hair early (float rounding)
            self._sleep(slot - current)
            current = self._clock()
        return slot, current - now

    def _settle(self, slot: float, n: int, done: float) -> None:
        """Move n log entries stamped `slot` to `done` (if they are still in the log)."""
        if done <= slot:
            return
        with self._lock:
            # The log is sorted and ours are among its latest: take entries off its end until
            # ours are found (or an older one shows they have left the log), put them back
            # sorted. Everything left in the log is no later than what was taken.
            tail: list[float] = []
            moved = 0
            while self._recent and moved < n:
                entry = self._recent.pop()
                if entry == slot:
                    entry = done
                    moved += 1
                tail.append(entry)
                if entry < slot:
                    break
            tail.sort()
            self._recent.extend(tail)
            if tail:
                self._last_slot = max(self._last_slot, tail[-1])

    def _reserve(self, now: float, n: int) -> float:
        elapsed = now - self._stamp
        if elapsed > 0:
            self._tokens = min(float(self.burst), self._tokens + elapsed * self._rate)
            self._stamp = now
        self._tokens -= n
        slot = now if self._tokens >= 0 else now + (-self._tokens) / self._rate
        # The exact window rule: the (limit - n + 1)-th most recent acquisition must be a full
        # window before this one, so the window ending here holds at most `limit`.
        needed = self.limit - n + 1
        if len(self._recent) >= needed:
            slot = max(slot, self._recent[-needed] + self.window_seconds)
        slot = max(slot, self._last_slot)  # first come, first served; keeps the log sorted
        self._last_slot = slot
        self._recent.extend([slot] * n)
        return slot


# --- classifying calls ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Route:
    http_method: str
    pattern: re.Pattern[str]
    specificity: int  # literal characters in the template: more wins over fewer
    method_id: str


def method_id(http_method: str, url: str, body: bytes | None = None) -> str:
    """The discovery method id a request calls, e.g. "sheets.spreadsheets.values.batchGet",
    "calendar.events.insert", "drive.permissions.create", or "calendar.batch"/"drive.batch"
    for a batch request; "other" when the bundled discovery documents name no such method.

    Only the method and the URL's path decide (`body` is accepted so callers can pass what
    they have; a batch's inner calls are read by `batch_inner_calls`). Any path prefix before
    the API's own path is ignored, so emulator URLs (http://127.0.0.1:PORT/calendar/v3/...)
    and media uploads (/upload/drive/v3/files) are named like Google's.
    """
    del body
    path = urlsplit(url).path or "/"
    verb = http_method.upper()
    strict, lenient = _routes()
    for routes in (strict, lenient):  # lenient: a range or title holding "/" (Sheets values)
        for route in routes:
            if route.http_method == verb and route.pattern.fullmatch(path):
                return route.method_id
    return "other"


def quota_bucket(method_id: str, http_method: str) -> str:
    """Which per-minute quota a call counts against: "sheets_read", "sheets_write",
    "calendar", "drive", or "other" (unknown calls, paced conservatively)."""
    if method_id.startswith("sheets."):
        if http_method.upper() in ("GET", "HEAD") or method_id in _SHEETS_READS_BY_POST:
            return "sheets_read"
        return "sheets_write"
    if method_id.startswith("calendar."):
        return "calendar"
    if method_id.startswith("drive."):
        return "drive"
    return "other"


def batch_inner_calls(body: object) -> tuple[int, list[str]]:
    """For a multipart batch body: how many inner requests it carries (its application/http
    parts, at least 1) and the method id of each inner request line found. A body that is
    not bytes or text (a stream) counts as one request."""
    if isinstance(body, str):
        raw = body.encode("utf-8")
    elif isinstance(body, bytes | bytearray):
        raw = bytes(body)
    else:
        return 1, []
    parts = len(_BATCH_PART.findall(raw))
    calls = [
        method_id(verb.decode("ascii"), target.decode("latin-1"))
        for verb, target in _BATCH_REQUEST_LINE.findall(raw)
    ]
    return max(1, parts), calls


@functools.cache
def _routes() -> tuple[tuple[_Route, ...], tuple[_Route, ...]]:
    """Routes from the discovery documents bundled with google-api-python-client: every
    method's path template (and each API's batch path), strict and lenient, most specific
    first."""
    strict: list[_Route] = []
    lenient: list[_Route] = []
    for service, version in _DISCOVERY_DOCUMENTS:
        text = get_static_doc(service, version)
        if text is None:  # an older client without this document: those calls are "other"
            continue
        document = json.loads(text)
        base = "/" + document.get("servicePath", "")
        for verb, template, name in _methods(document):
            strict.append(_route(verb, base + template, name, lenient=False))
            lenient.append(_route(verb, base + template, name, lenient=True))
        batch_path = document.get("batchPath", "")
        if "/" in batch_path:  # "batch/calendar/v3"; Sheets' bare "batch" is not a real API
            strict.append(_route("POST", "/" + batch_path, f"{service}.batch", lenient=False))
    return _most_specific_first(strict), _most_specific_first(lenient)


def _most_specific_first(routes: list[_Route]) -> tuple[_Route, ...]:
    return tuple(sorted(routes, key=lambda route: -route.specificity))


def _methods(resource: Mapping[str, Any]) -> Iterable[tuple[str, str, str]]:
    for method in resource.get("methods", {}).values():
        yield method["httpMethod"], method.get("flatPath") or method["path"], method["id"]
    for child in resource.get("resources", {}).values():
        yield from _methods(child)


def _route(verb: str, template: str, name: str, *, lenient: bool) -> _Route:
    pattern: list[str] = ["(?:/.*)?"]  # an emulator's path prefix, /upload, ...
    literal = 0
    position = 0
    for variable in _TEMPLATE_VARIABLE.finditer(template):
        text = template[position : variable.start()]
        pattern.append(re.escape(text))
        literal += len(text)
        pattern.append(".+" if lenient or variable.group(1) else "[^/]+")
        position = variable.end()
    pattern.append(re.escape(template[position:]))
    literal += len(template) - position
    return _Route(verb, re.compile("".join(pattern)), literal, name)


# --- retry policy --------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """Truncated exponential backoff with full jitter, bounded in attempts.

    Retry n (counting from 0) waits uniform(0, min(cap, base * 2**n)) seconds, and never less
    than a Retry-After the server sent. A server asking for more than
    `max_retry_after_seconds` is not waited for: the response is returned as it is.
    """

    max_attempts: int = 6
    base_seconds: float = 1.0
    cap_seconds: float = 32.0
    max_retry_after_seconds: float = 300.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts counts the first attempt too, so it must be ≥ 1")
        if self.base_seconds < 0 or self.cap_seconds < 0:
            raise ValueError("backoff seconds cannot be negative")

    def wait_seconds(
        self, retry_number: int, rng: random.Random, retry_after: float | None = None
    ) -> float:
        """Seconds to wait before retry `retry_number` (0 for the first retry)."""
        ceiling = min(self.cap_seconds, self.base_seconds * 2.0 ** min(retry_number, 64))
        jittered = rng.uniform(0.0, ceiling)
        return max(jittered, retry_after or 0.0)


DEFAULT_RETRY = RetryPolicy()


def is_retryable(status: int, body: bytes) -> bool:
    """Whether a response is worth sending again: 408, 429 and 5xx gateway/server errors, and
    a 403 whose error says a rate limit was hit. Other 403s (permission; a quota that lasts
    hours or days, such as Calendar's usage limits or a service account's missing Drive
    storage), 400, 401 (the authorized session refreshes the token itself), 404 and 409 never
    are."""
    if status in _RETRYABLE_STATUSES:
        return True
    if status != 403:
        return False
    error = _error_object(body)
    if error is None:
        return False
    reasons = [item.get("reason") for item in _dicts(error.get("errors"))]
    if any(reason in _PERMANENT_USAGE_LIMIT_REASONS for reason in reasons):
        return False
    if error.get("status") == "RESOURCE_EXHAUSTED":
        return True
    for item in _dicts(error.get("errors")):
        reason = item.get("reason")
        if reason in _RATE_LIMIT_REASONS:
            return True
        if item.get("domain") == "usageLimits":
            return True
    # google.rpc.ErrorInfo, as newer APIs (Sheets v4) send it
    return any(item.get("reason") == "RATE_LIMIT_EXCEEDED" for item in _dicts(error.get("details")))


def lasting_refusal(call: str, url: str, status: int, body: bytes, account: str = "") -> str:
    """For a 403 that no retry in this run gets past and whose fix is known, a plain message
    naming the fix; "" for any other response. `call` is the method id, `url` the request's
    (it names the calendar), `account` the service account signed in as, if known.

    - Drive `storageQuotaExceeded`: a service account creating or copying a file it would own
      outside a shared drive (it has no storage of its own).
    - Drive `quotaExceeded`: the Drive storage of the account is full.
    - Calendar `quotaExceeded` ("Calendar usage limits exceeded."): Google keeps the calendar
      read-only for the account for some hours.
    - Any API, insufficient scopes: the sign-in does not carry the scope the call needs (a
      coordinator's token from before a job was configured; a VM's access scopes).
    """
    if status != 403:
        return ""
    error = _error_object(body)
    if error is None:
        return ""
    reasons = {item.get("reason") for item in _dicts(error.get("errors"))}
    said = str(error.get("message") or "").strip()
    who = account or "the account tutorsync signs in as"
    if _scope_missing(error):
        return _scope_missing_message(call, said)
    if call.startswith("drive.") and _NO_STORAGE in reasons:
        return (
            f"Google Drive refused to store a file that {who} would own (403 {_NO_STORAGE}: "
            "a service account has no Drive storage of its own, so it can make files only in "
            "a shared drive). Use a folder in a shared drive that the service account is a "
            'member of, or domain-wide delegation (auth = "delegated") so that the files '
            "are owned by a person"
        )
    if call.startswith("drive.") and _QUOTA_EXCEEDED in reasons:
        return (
            f"the Google Drive storage of {who} is full (403 {_QUOTA_EXCEEDED}: {said}); free "
            "space in it, or use a folder in a shared drive"
        )
    if call.startswith("calendar.") and _QUOTA_EXCEEDED in reasons:
        found = _CALENDAR_IN_URL.search(urlsplit(url).path)
        calendar = f"calendar {unquote(found.group(1))}" if found else "the calendar"
        return (
            f"Google has limited changes to {calendar} by {who} for some hours (403 "
            f"{_QUOTA_EXCEEDED}: {said or 'Calendar usage limits exceeded.'}); the calendar "
            "can still be read. Run again later in the day: trying again sooner does not help"
        )
    return ""


# Google's answer to a token without the scope a call needs: ErrorInfo reason
# ACCESS_TOKEN_SCOPE_INSUFFICIENT (newer APIs), and this message (every API). Drive's own
# `insufficientPermissions` reason alone is not enough: it has also meant a file's permissions.
_SCOPE_INSUFFICIENT = "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
_SCOPE_MESSAGE = "insufficient authentication scopes"


def _scope_missing(error: Mapping[str, Any]) -> bool:
    if _SCOPE_MESSAGE in str(error.get("message") or "").lower():
        return True
    return any(item.get("reason") == _SCOPE_INSUFFICIENT for item in _dicts(error.get("details")))


def _scope_missing_message(call: str, said: str) -> str:
    scope = scopes.for_call(call) or f"the {call.split('.', 1)[0]} scope"
    return (
        f"the sign-in tutorsync uses does not carry the scope {scope} (403: "
        f'{said or "insufficient authentication scopes"}). With auth = "oauth", run '
        "`tutorsync auth login` again: it asks for every scope the config's jobs need. With "
        'auth = "adc", give the credentials that scope (on a VM or Cloud Run, its access '
        "scopes; on a workstation, `gcloud auth application-default login --client-id-file=... "
        "--scopes=...` with an OAuth client of your project, since gcloud's own grants Google "
        'Cloud scopes only); with auth = "delegated", add it to the domain-wide delegation of '
        "the client ID"
    )


def _error_object(body: bytes) -> dict[str, Any] | None:
    """The `error` object of Google's JSON error body, or None."""
    try:
        document = json.loads(body or b"null")
    except ValueError:
        return None
    error = document.get("error") if isinstance(document, dict) else None
    return error if isinstance(error, dict) else None


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The Retry-After header in seconds (it may be a number of seconds or an HTTP date,
    measured from the response's Date header when there is one), or None."""
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        when = _http_date(value)
        if when is None:
            return None
        sent = _http_date(headers.get("Date") or "") or datetime.now(UTC)
        seconds = (when - sent).total_seconds()
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)


def _http_date(value: str) -> datetime | None:
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _dicts(items: object) -> list[dict[str, Any]]:
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


# --- the session ---------------------------------------------------------------------------


class PacedSession(AuthorizedSession):
    """An authorized requests session that paces, retries, times out and counts every call.

    Give it to gspread (`gspread.Client(auth=None, session=...)` or
    `HTTPClient(auth, session=...)`) and, through `RequestsHttp`, to google-api-python-client.

    - `send` (every HTTP attempt, including AuthorizedSession's re-send after refreshing a
      token on 401, and redirects) takes tokens from the call's quota bucket, one per inner
      request for a batch, and counts the attempt in `counts` by method id.
    - `request` rewrites Google's hosts to `endpoint` when one is set, applies
      `timeout_seconds` when the caller gave none (gspread passes timeout=None), and retries
      per `retry`: after the last attempt it returns the last response (callers turn non-2xx
      into errors) or re-raises the last connection error.
    - Two failures no caller can do better with are raised here, never retried: Google
      refusing to sign in (google-auth's RefreshError, on the first request or a token's
      renewal) as a SignInError, and a 403 that lasts for hours and names its own fix
      (`lasting_refusal`: Drive storage, a calendar's usage limits) as a WorkspaceError.

    Writes are retried too (a 503 or a dropped connection may come after Google applied the
    write), so whatever creates things must be idempotent: deterministic IDs, or
    find-then-create with de-duplication.
    """

    def __init__(
        self,
        credentials: Any,
        *,
        quotas: Mapping[str, float] | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        timeout_seconds: float = 60,
        endpoint: str | None = None,
        sleep: Sleep = wall_sleep,
        clock: Clock = time.monotonic,
        rng: random.Random | None = None,
        delegation_client_id: str | None = None,
    ) -> None:
        """`delegation_client_id`: the client ID a refused delegated sign-in names (the key's
        client_id; google-auth's credentials do not keep it)."""
        super().__init__(credentials)
        self.delegation_client_id = delegation_client_id
        unknown = sorted(set(quotas or {}) - set(DEFAULT_QUOTAS))
        if unknown:
            raise ValueError(
                f"unknown quota bucket(s) {', '.join(unknown)}; known: {', '.join(DEFAULT_QUOTAS)}"
            )
        per_minute = {**DEFAULT_QUOTAS, **(quotas or {})}
        self.quotas: Mapping[str, float] = per_minute
        # A whole minute's quota may go at once: Google counts calls per 60 s window and does
        # not ask them to be spread within it, so a run that needs fewer calls than a minute
        # allows never waits, and a longer one sends each window's calls as soon as the window
        # lets it (smoothing to one second's worth left most of the first minute idle).
        self.buckets: dict[str, TokenBucket] = {
            name: TokenBucket(limit, burst=math.floor(limit), clock=clock, sleep=sleep)
            for name, limit in per_minute.items()
        }
        self.retry = retry
        self.timeout_seconds = timeout_seconds
        self.endpoint = endpoint.rstrip("/") if endpoint else None
        self._sleep = sleep
        self._rng = rng if rng is not None else random.Random()
        self._stats_lock = threading.Lock()
        self.counts: Counter[str] = Counter()  # HTTP attempts by method id
        self.retries: Counter[str] = Counter()  # backoff retries by method id
        self.batched: Counter[str] = Counter()  # calls sent inside batch requests, by method id
        self.paced_seconds = 0.0  # all waiting: quota buckets and backoff
        self.backoff_seconds = 0.0  # the part of paced_seconds spent backing off

    def rewrite_url(self, url: str) -> str:
        """The URL with Google's API hosts replaced by `endpoint`, path and query kept.
        OAuth hosts (token refresh) are left alone."""
        if not self.endpoint:
            return url
        for host in _GOOGLE_API_HOSTS:
            if url.startswith(host) and url[len(host) : len(host) + 1] in ("", "/", "?", "#"):
                return self.endpoint + url[len(host) :]
        return url

    def request(  # type: ignore[override]
        self,
        method: str,
        url: str,
        data: Any = None,
        headers: Any = None,
        max_allowed_time: float | None = None,
        timeout: Any = None,
        **kwargs: Any,
    ) -> requests.Response:
        if "_credential_refresh_attempt" in kwargs:
            # AuthorizedSession re-sending after a token refresh on 401: one more attempt of a
            # call already inside the retry loop below; `send` paces and counts it.
            return super().request(
                method,
                url,
                data=data,
                headers=headers,
                max_allowed_time=max_allowed_time,
                timeout=timeout,
                **kwargs,
            )
        try:
            return self._request(method, url, data, headers, max_allowed_time, timeout, **kwargs)
        except RefreshError as error:  # a refused sign-in: no retry signs in any better
            raise self.sign_in_refused(error) from None

    def sign_in_refused(self, error: GoogleAuthError) -> SignInError:
        """Google's refusal to sign in (or failure to answer), as the message naming the fix."""
        return sign_in_error(
            error, self.credentials, delegation_client_id=self.delegation_client_id
        )

    def _request(
        self,
        method: str,
        url: str,
        data: Any,
        headers: Any,
        max_allowed_time: float | None,
        timeout: Any,
        **kwargs: Any,
    ) -> requests.Response:
        url = self.rewrite_url(url)
        if timeout is None:
            timeout = self.timeout_seconds
        call = method_id(_effective_method(method, headers), url)
        attempts = self.retry.max_attempts if _replayable(data, kwargs) else 1
        for attempt in range(1, attempts + 1):
            try:
                response = super().request(
                    method,
                    url,
                    data=data,
                    headers=headers,
                    max_allowed_time=max_allowed_time,
                    timeout=timeout,
                    **kwargs,
                )
            except (*_DROPPED_CONNECTION, TransportError) as error:
                # TransportError: google-auth could not reach the token endpoint to sign in.
                if attempt == attempts:
                    if isinstance(error, TransportError):
                        raise self.sign_in_refused(error) from None
                    raise
                wait = self.retry.wait_seconds(attempt - 1, self._rng)
                self._back_off(call, type(error).__name__, wait, attempt, attempts)
                continue
            status = response.status_code
            body = response.content if status == 403 else b""  # don't read streamed bodies
            refusal = lasting_refusal(call, url, status, body, self.service_account())
            if refusal:
                response.close()
                raise WorkspaceError(refusal)
            if attempt == attempts or not is_retryable(status, body):
                return response
            retry_after = retry_after_seconds(response.headers)
            if retry_after is not None and retry_after > self.retry.max_retry_after_seconds:
                _LOG.warning("%s: %s asks to wait %.0f s; not retrying", call, status, retry_after)
                return response
            wait = self.retry.wait_seconds(attempt - 1, self._rng, retry_after)
            response.close()
            self._back_off(call, str(status), wait, attempt, attempts)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def service_account(self) -> str:
        """The service account signed in as, if it is one (a delegated one acts as a person)."""
        if getattr(self.credentials, "_subject", None):
            return ""
        return str(getattr(self.credentials, "service_account_email", "") or "")

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        verb = _effective_method(request.method or "GET", request.headers)
        call = method_id(verb, request.url or "")
        tokens, inner = batch_inner_calls(request.body) if call.endswith(".batch") else (1, [])
        with self.buckets[quota_bucket(call, verb)].held(tokens) as waited:
            with self._stats_lock:
                self.counts[call] += 1
                self.batched.update(inner)
                self.paced_seconds += waited
            return super().send(request, **kwargs)

    def snapshot(self) -> dict[str, Any]:
        """A consistent copy of the counters, for a run report."""
        with self._stats_lock:
            return {
                "counts": dict(self.counts),
                "retries": dict(self.retries),
                "batched": dict(self.batched),
                "paced_seconds": self.paced_seconds,
                "backoff_seconds": self.backoff_seconds,
            }

    def _back_off(self, call: str, reason: str, wait: float, attempt: int, attempts: int) -> None:
        with self._stats_lock:
            self.retries[call] += 1
            self.paced_seconds += wait
            self.backoff_seconds += wait
        _LOG.info(
            "%s: %s on attempt %d of %d; retrying in %.1f s", call, reason, attempt, attempts, wait
        )
        self._sleep(wait)


def _effective_method(method: str, headers: Mapping[str, Any] | None) -> str:
    """googleapiclient turns a GET with a very long URL into a POST marked by this header."""
    for key, value in (headers or {}).items():
        if key.lower() == "x-http-method-override" and value:
            text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
            return text.upper()
    return method.upper()


def _replayable(data: Any, kwargs: Mapping[str, Any]) -> bool:
    """A body that can be sent again as it was (not a file or a generator, used up once)."""
    if kwargs.get("files") is not None:
        return False
    return data is None or isinstance(data, bytes | bytearray | str | dict | list | tuple)


# --- google-api-python-client over the same session ----------------------------------------


class RequestsHttp:
    """The part of httplib2.Http that google-api-python-client uses, over a requests session:
    `build(name, version, http=RequestsHttp(paced_session), static_discovery=True)` and
    `BatchHttpRequest(batch_uri=...).execute(http=...)` then go through the same pacing,
    retries and counts as gspread. Leave googleapiclient's own `num_retries` at 0: the session
    retries. Transport errors surface as requests exceptions."""

    def __init__(self, session: requests.Session, *, timeout: float | None = None) -> None:
        self.session = session
        self.timeout = timeout  # None: the session's default (PacedSession.timeout_seconds)

    @property
    def credentials(self) -> Any:
        """The session's credentials, which googleapiclient applies to each part of a batch
        and refreshes when a part comes back 401."""
        return getattr(self.session, "credentials", None)

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        redirections: int = 5,
        connection_type: object = None,
    ) -> tuple[httplib2.Response, bytes]:
        del connection_type  # requests manages its own connection pool
        if isinstance(body, str):
            body = body.encode("utf-8")  # requests would send a str as Latin-1
        response = self.session.request(
            method,
            uri,
            data=body,
            headers=dict(headers or {}),
            allow_redirects=redirections > 0,
            timeout=self.timeout,
        )
        content: bytes = response.content
        info = {key.lower(): value for key, value in response.headers.items()}
        if "content-encoding" in info:  # requests decoded it; say so as httplib2 does
            info["-content-encoding"] = info.pop("content-encoding")
            info["content-length"] = str(len(content))
        info["status"] = str(response.status_code)
        result = httplib2.Response(info)
        result.reason = response.reason or ""
        return result, content

    def close(self) -> None:
        """Kept open: the session is shared with gspread and closed by its owner."""
