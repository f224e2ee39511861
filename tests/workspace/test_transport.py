"""The paced client layer, driven through stub adapters: no network and no real sleeping.

A `Script` adapter is mounted on the session for http:// and https://; it answers from a queue
of replies (or raises the queued exception) and records every request it received. A
`FakeClock` is the session's clock and sleep, so waits are recorded, not slept.
"""

from __future__ import annotations

import json
import random
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import gspread
import pytest
import requests
from google.auth.credentials import AnonymousCredentials, Credentials
from google.auth.exceptions import RefreshError, TransportError
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest
from hypothesis import given, settings
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict

from jobs.errors import SignInError, WorkspaceError
from jobs.workspace.google.discovery import send_batch
from jobs.workspace.google.transport import (
    DEFAULT_QUOTAS,
    PacedSession,
    RequestsHttp,
    RetryPolicy,
    TokenBucket,
    is_retryable,
    method_id,
    quota_bucket,
    retry_after_seconds,
)

SHEETS = "https://sheets.googleapis.com/v4/spreadsheets"
GOOGLE = "https://www.googleapis.com"
EMULATOR = "http://127.0.0.1:8765"
GENEROUS = {"sheets_read": 6000, "sheets_write": 6000, "calendar": 6000, "drive": 6000}


# --- harness -------------------------------------------------------------------------------


class FakeClock:
    """Monotonic time that only moves when something sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class FractionRng(random.Random):
    """uniform(a, b) gives a + fraction * (b - a) and records (a, b)."""

    def __init__(self, fraction: float) -> None:
        super().__init__(0)
        self.fraction = fraction
        self.bounds: list[tuple[float, float]] = []

    def uniform(self, a: float, b: float) -> float:
        self.bounds.append((a, b))
        return a + self.fraction * (b - a)


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list -> JSON; bytes/str as they are
    headers: dict[str, str] = field(default_factory=dict)


Outcome = Reply | Exception | Callable[[requests.PreparedRequest], Reply]


class Script(requests.adapters.BaseAdapter):
    """A transport that answers from a queue (the last outcome repeats) and records requests."""

    def __init__(self, *outcomes: Outcome) -> None:
        super().__init__()
        self.outcomes: deque[Outcome] = deque(outcomes or [Reply()])
        self.received: list[requests.PreparedRequest] = []
        self.timeouts: list[Any] = []

    @property
    def urls(self) -> list[str]:
        return [request.url or "" for request in self.received]

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        self.received.append(request)
        self.timeouts.append(timeout)
        outcome = self.outcomes.popleft() if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, Exception):
            raise outcome
        reply = outcome if isinstance(outcome, Reply) else outcome(request)
        return _response(request, reply)

    def close(self) -> None:
        pass


def _response(request: requests.PreparedRequest, reply: Reply) -> requests.Response:
    response = requests.Response()
    response.status_code = reply.status
    response.reason = {200: "OK", 404: "Not Found"}.get(reply.status, "Status")
    headers = dict(reply.headers)
    if isinstance(reply.body, dict | list):
        content = json.dumps(reply.body).encode()
        headers.setdefault("Content-Type", "application/json; charset=UTF-8")
    elif isinstance(reply.body, str):
        content = reply.body.encode()
    else:
        content = reply.body or b""
    response._content = content
    response.headers = CaseInsensitiveDict(headers)
    response.url = request.url or ""
    response.request = request
    return response


def error_body(status: int, reason: str, domain: str = "global", state: str = "") -> dict:
    return {
        "error": {
            "code": status,
            "message": "stub",
            "errors": [{"message": "stub", "domain": domain, "reason": reason}],
            "status": state or "PERMISSION_DENIED",
        }
    }


def paced(
    script: Script,
    clock: FakeClock,
    *,
    credentials: Credentials | None = None,
    rng: random.Random | None = None,
    **options: Any,
) -> PacedSession:
    options.setdefault("quotas", GENEROUS)
    session = PacedSession(
        credentials or AnonymousCredentials(),
        sleep=clock.sleep,
        clock=clock,
        rng=rng or FractionRng(0.5),
        **options,
    )
    session.mount("https://", script)
    session.mount("http://", script)
    return session


class SpyBucket:
    """Stands in for a TokenBucket and records how many tokens each acquisition took."""

    def __init__(self) -> None:
        self.taken: list[int] = []

    def acquire(self, n: int = 1) -> float:
        self.taken.append(n)
        return 0.0

    @contextmanager
    def held(self, n: int = 1) -> Iterator[float]:
        yield self.acquire(n)


# --- retries -------------------------------------------------------------------------------


def test_two_429s_then_success_waits_twice_within_full_jitter_bounds() -> None:
    clock = FakeClock()
    script = Script(Reply(429), Reply(429), Reply(200, {"values": []}))
    rng = FractionRng(0.5)
    session = paced(script, clock, rng=rng)

    response = session.get(f"{SHEETS}/abc/values:batchGet")

    assert response.status_code == 200
    assert len(script.received) == 3
    assert rng.bounds == [(0.0, 1.0), (0.0, 2.0)]  # base * 2**n, full jitter from 0
    assert clock.sleeps == [0.5, 1.0]
    assert session.retries == {"sheets.spreadsheets.values.batchGet": 2}
    assert session.counts == {"sheets.spreadsheets.values.batchGet": 3}
    assert session.backoff_seconds == pytest.approx(1.5)


def test_backoff_ceiling_doubles_until_the_cap() -> None:
    policy = RetryPolicy(base_seconds=1.0, cap_seconds=32.0)
    rng = FractionRng(1.0)

    waits = [policy.wait_seconds(n, rng) for n in range(8)]

    assert waits == [1, 2, 4, 8, 16, 32, 32, 32]


@pytest.mark.parametrize(
    "retry_after, expected_wait",
    [("7", 7.0), ("0", 0.5), ("HTTP-DATE+12", 12.0)],
    ids=["seconds-above-jitter", "zero-keeps-jitter", "http-date"],
)
def test_retry_after_is_a_floor_for_the_wait(retry_after: str, expected_wait: float) -> None:
    sent = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
    headers = {"Date": format_datetime(sent, usegmt=True)}
    if retry_after.startswith("HTTP-DATE"):
        headers["Retry-After"] = format_datetime(sent + timedelta(seconds=12), usegmt=True)
    else:
        headers["Retry-After"] = retry_after
    clock = FakeClock()
    script = Script(Reply(429, headers=headers), Reply(200, {}))
    session = paced(script, clock, rng=FractionRng(0.5))

    response = session.get(f"{SHEETS}/abc")

    assert response.status_code == 200
    assert clock.sleeps == [expected_wait]


def test_retry_after_beyond_the_policy_limit_returns_the_response_without_waiting() -> None:
    clock = FakeClock()
    script = Script(Reply(429, headers={"Retry-After": "3600"}), Reply(200))
    session = paced(script, clock, retry=RetryPolicy(max_retry_after_seconds=300))

    response = session.get(f"{SHEETS}/abc")

    assert response.status_code == 429
    assert len(script.received) == 1
    assert clock.sleeps == []


def test_503_then_success_is_retried() -> None:
    clock = FakeClock()
    script = Script(Reply(503), Reply(200, {"id": "f1"}))
    session = paced(script, clock)

    response = session.post(f"{GOOGLE}/drive/v3/files", json={"name": "Ana"})

    assert response.json() == {"id": "f1"}
    assert len(script.received) == 2
    assert session.retries == {"drive.files.create": 1}


@pytest.mark.parametrize(
    "dropped",
    [
        requests.ConnectionError("connection reset"),
        requests.exceptions.ReadTimeout("read timed out"),
        requests.exceptions.ChunkedEncodingError("incomplete read"),
    ],
    ids=["connection-error", "read-timeout", "chunked-encoding"],
)
def test_dropped_connection_then_success_is_retried(dropped: Exception) -> None:
    clock = FakeClock()
    script = Script(dropped, Reply(200, {"items": []}))
    session = paced(script, clock)

    response = session.get(f"{GOOGLE}/calendar/v3/calendars/primary/events")

    assert response.status_code == 200
    assert len(script.received) == 2
    assert len(clock.sleeps) == 1
    assert session.retries == {"calendar.events.list": 1}


def test_403_forbidden_is_returned_immediately_after_one_attempt() -> None:
    clock = FakeClock()
    script = Script(Reply(403, error_body(403, "forbidden")), Reply(200))
    session = paced(script, clock)

    response = session.post(f"{GOOGLE}/drive/v3/files/f1/permissions", json={"role": "writer"})

    assert response.status_code == 403
    assert len(script.received) == 1
    assert clock.sleeps == []
    assert session.retries == {}


@pytest.mark.parametrize(
    "body",
    [
        error_body(403, "rateLimitExceeded", "usageLimits"),
        error_body(403, "userRateLimitExceeded", "usageLimits"),
        error_body(403, "somethingNew", "usageLimits"),
        error_body(403, "", "global", state="RESOURCE_EXHAUSTED"),
    ],
    ids=["rateLimitExceeded", "userRateLimitExceeded", "usageLimits", "rpc"],
)
def test_403_rate_limit_is_retried(body: dict) -> None:
    clock = FakeClock()
    script = Script(Reply(403, body), Reply(200, {"id": "e1"}))
    session = paced(script, clock)

    response = session.post(f"{GOOGLE}/calendar/v3/calendars/primary/events", json={})

    assert response.status_code == 200
    assert len(script.received) == 2
    assert session.retries == {"calendar.events.insert": 1}


def google_error(status: int, reason: str, message: str, domain: str = "usageLimits") -> dict:
    """Google's error body, word for word."""
    detail = {"message": message, "domain": domain, "reason": reason}
    return {"error": {"code": status, "message": message, "errors": [detail]}}


NO_STORAGE = google_error(
    403,
    "storageQuotaExceeded",
    "Service Accounts do not have storage quota. Leverage shared drives "
    "(https://developers.google.com/workspace/drive/api/guides/about-shareddrives), or use "
    "OAuth delegation (http://support.google.com/a/answer/7281227) instead.",
)
CALENDAR_LIMITED = google_error(403, "quotaExceeded", "Calendar usage limits exceeded.")
DRIVE_FULL = google_error(403, "quotaExceeded", "The user has exceeded their Drive storage quota")


@pytest.mark.parametrize(
    "url, body, fix",
    [
        (
            f"{GOOGLE}/drive/v3/files?supportsAllDrives=true",
            NO_STORAGE,
            "Use a folder in a shared drive that the service account is a member of, or "
            'domain-wide delegation (auth = "delegated") so that the files are owned by a person',
        ),
        (
            f"{GOOGLE}/drive/v3/files/tmpl/copy",
            DRIVE_FULL,
            "the Google Drive storage of sa@p.iam.gserviceaccount.com is full (403 quotaExceeded: "
            "The user has exceeded their Drive storage quota); free space in it, or use a folder "
            "in a shared drive",
        ),
        (
            f"{GOOGLE}/calendar/v3/calendars/checkins%40group.calendar.google.com/events",
            CALENDAR_LIMITED,
            "Google has limited changes to calendar checkins@group.calendar.google.com by "
            "sa@p.iam.gserviceaccount.com for some hours (403 quotaExceeded: Calendar usage "
            "limits exceeded.); the calendar can still be read. Run again later in the day",
        ),
    ],
    ids=["service account has no storage", "drive storage full", "calendar usage limits"],
)
def test_a_403_that_lasts_hours_is_not_retried_and_names_its_fix(
    url: str, body: dict, fix: str
) -> None:
    clock = FakeClock()
    script = Script(Reply(403, body), Reply(200, {"id": "x"}))
    credentials = ServiceAccountStub("sa@p.iam.gserviceaccount.com")
    session = paced(script, clock, credentials=credentials)

    with pytest.raises(WorkspaceError) as raised:
        session.post(url, json={"name": "x"})

    assert fix in str(raised.value)
    assert "busy" not in str(raised.value)
    assert len(script.received) == 1
    assert clock.sleeps == []
    assert session.retries == {}


def test_a_lasting_403_in_a_batch_stops_the_batch_with_its_fix() -> None:
    clock = FakeClock()
    parts = [(200, {"id": "e1"}), (403, CALENDAR_LIMITED), (403, CALENDAR_LIMITED)]
    script = Script(lambda request: batch_reply(request, parts))
    session = paced(script, clock, endpoint=EMULATOR)
    calendar = build("calendar", "v3", http=RequestsHttp(session), static_discovery=True)
    inserts = [
        calendar.events().insert(calendarId="c@group.calendar.google.com", body={"id": f"e{i}"})
        for i in range(3)
    ]

    with pytest.raises(WorkspaceError, match="Google has limited changes to calendar c@group"):
        send_batch(inserts, f"{EMULATOR}/batch/calendar/v3")

    assert len(script.received) == 1
    assert clock.sleeps == []


def batch_reply(request: requests.PreparedRequest, parts: list[tuple[int, dict]]) -> Reply:
    """A multipart/mixed batch reply: one application/http part per (status, JSON body), in
    the order of the request's Content-IDs."""
    body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
    ids = re.findall(r"Content-ID: <([^>]+)>", body)
    chunks = []
    for content_id, (status, document) in zip(ids, parts, strict=True):
        payload = json.dumps(document)
        chunks.append(
            "--BOUNDARY\r\nContent-Type: application/http\r\n"
            f"Content-ID: <response-{content_id}>\r\n\r\n"
            f"HTTP/1.1 {status} Status\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n{payload}\r\n"
        )
    text = "".join(chunks) + "--BOUNDARY--\r\n"
    return Reply(200, text, {"Content-Type": "multipart/mixed; boundary=BOUNDARY"})


class ServiceAccountStub(Credentials):
    """Stands in for a service account's credentials: an e-mail and a valid token."""

    def __init__(self, email: str) -> None:
        super().__init__()
        self.service_account_email = email
        self.token = "token"

    def refresh(self, request: Any) -> None:
        pass


class RefusedCredentials(Credentials):
    """Credentials whose every sign-in fails as google-auth fails it."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error
        self.attempts = 0

    def refresh(self, request: Any) -> None:
        self.attempts += 1
        raise self.error


def test_a_refused_sign_in_raises_a_sign_in_error_and_sends_nothing() -> None:
    clock = FakeClock()
    script = Script(Reply(200))
    reply = {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
    credentials = RefusedCredentials(RefreshError("invalid_grant: Invalid JWT Signature.", reply))
    session = paced(script, clock, credentials=credentials)

    with pytest.raises(SignInError, match=r"Google refused .*\(invalid_grant: Invalid JWT"):
        session.get(f"{SHEETS}/abc")

    assert credentials.attempts == 1  # never retried
    assert script.received == []
    assert clock.sleeps == []


def test_google_sign_in_out_of_reach_is_retried_then_named() -> None:
    clock = FakeClock()
    script = Script(Reply(200))
    credentials = RefusedCredentials(TransportError("Failed to connect to oauth2.googleapis.com"))
    session = paced(script, clock, credentials=credentials, retry=RetryPolicy(max_attempts=3))

    with pytest.raises(SignInError, match="could not reach Google to sign in"):
        session.get(f"{SHEETS}/abc")

    assert credentials.attempts == 3
    assert len(clock.sleeps) == 2
    assert script.received == []


@pytest.mark.parametrize("status", [400, 404, 409])
def test_client_errors_are_not_retried(status: int) -> None:
    clock = FakeClock()
    script = Script(Reply(status, error_body(status, "badRequest")), Reply(200))
    session = paced(script, clock)

    response = session.get(f"{SHEETS}/abc")

    assert response.status_code == status
    assert len(script.received) == 1
    assert clock.sleeps == []


def test_exhausted_retries_return_the_last_response_after_max_attempts() -> None:
    clock = FakeClock()
    script = Script(Reply(503, {"error": {"code": 503}}))
    session = paced(script, clock, retry=RetryPolicy(max_attempts=4))

    response = session.post(f"{SHEETS}/abc:batchUpdate", json={"requests": []})

    assert response.status_code == 503
    assert len(script.received) == 4
    assert len(clock.sleeps) == 3  # no wait after the last attempt
    assert session.counts == {"sheets.spreadsheets.batchUpdate": 4}
    assert session.retries == {"sheets.spreadsheets.batchUpdate": 3}


def test_exhausted_retries_reraise_the_connection_error() -> None:
    clock = FakeClock()
    script = Script(requests.ConnectionError("connection refused"))
    session = paced(script, clock, retry=RetryPolicy(max_attempts=3))

    with pytest.raises(requests.ConnectionError, match="connection refused"):
        session.get(f"{SHEETS}/abc")

    assert len(script.received) == 3
    assert len(clock.sleeps) == 2


def test_gspread_raises_api_error_once_retries_are_exhausted() -> None:
    clock = FakeClock()
    script = Script(Reply(429, error_body(429, "rateLimitExceeded", state="RESOURCE_EXHAUSTED")))
    session = paced(script, clock, retry=RetryPolicy(max_attempts=2))
    client = gspread.Client(auth=None, session=session)  # type: ignore[arg-type]

    with pytest.raises(gspread.exceptions.APIError) as raised:
        client.open_by_key("abc")

    assert raised.value.response.status_code == 429
    assert len(script.received) == 2


def test_a_body_that_can_be_read_only_once_is_not_retried() -> None:
    clock = FakeClock()
    script = Script(Reply(503), Reply(200))
    session = paced(script, clock)

    response = session.post(f"{GOOGLE}/drive/v3/files", data=iter([b"chunk"]))

    assert response.status_code == 503
    assert len(script.received) == 1


@pytest.mark.parametrize(
    "status, body, retryable",
    [
        (408, b"", True),
        (429, b"", True),
        (500, b"", True),
        (502, b"", True),
        (503, b"", True),
        (504, b"", True),
        (501, b"", False),
        (400, b"", False),
        (401, b"", False),
        (404, b"", False),
        (409, b"", False),
        (403, json.dumps(error_body(403, "forbidden")).encode(), False),
        (403, json.dumps(error_body(403, "insufficientFilePermissions")).encode(), False),
        (403, json.dumps(error_body(403, "dailyLimitExceeded", "usageLimits")).encode(), False),
        (403, json.dumps(error_body(403, "accessNotConfigured", "usageLimits")).encode(), False),
        (403, json.dumps(error_body(403, "rateLimitExceeded", "usageLimits")).encode(), True),
        (403, json.dumps(error_body(403, "storageQuotaExceeded", "usageLimits")).encode(), False),
        (403, json.dumps(error_body(403, "quotaExceeded", "usageLimits")).encode(), False),
        (403, json.dumps(error_body(403, "quotaExceeded", "global")).encode(), False),
        (
            403,
            json.dumps(
                error_body(403, "storageQuotaExceeded", "usageLimits", state="RESOURCE_EXHAUSTED")
            ).encode(),
            False,
        ),
        (403, b"<html>Forbidden</html>", False),
        (403, b"", False),
        (403, b'["not", "an", "object"]', False),
        (
            403,
            json.dumps(
                {"error": {"code": 403, "details": [{"reason": "RATE_LIMIT_EXCEEDED"}]}}
            ).encode(),
            True,
        ),
    ],
)
def test_is_retryable_follows_googles_guidance(status: int, body: bytes, retryable: bool) -> None:
    assert is_retryable(status, body) is retryable


@pytest.mark.parametrize(
    "headers, seconds",
    [
        ({}, None),
        ({"Retry-After": "30"}, 30.0),
        ({"Retry-After": "1.5"}, 1.5),
        ({"Retry-After": "-4"}, 0.0),
        ({"Retry-After": "soon"}, None),
        (
            {
                "Retry-After": "Mon, 23 Nov 2026 12:01:00 GMT",
                "Date": "Mon, 23 Nov 2026 12:00:00 GMT",
            },
            60.0,
        ),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(
    headers: dict[str, str], seconds: float | None
) -> None:
    assert retry_after_seconds(headers) == seconds


# --- pacing --------------------------------------------------------------------------------


def _most_in_any_window(times: list[float], window: float, slack: float = 0.0) -> int:
    """The largest number of acquisitions in any window [t, t + window)."""
    return max(sum(1 for u in times if t <= u < t + window - slack) for t in times)


def test_token_bucket_keeps_every_60_second_window_at_or_under_60() -> None:
    clock = FakeClock()
    bucket = TokenBucket(60, clock=clock, sleep=clock.sleep)
    times = []

    for _ in range(150):
        bucket.acquire()
        times.append(clock())

    assert _most_in_any_window(times, 60.0) == 60
    assert times[-1] <= 150  # and no slower than the quota allows


def test_token_bucket_burst_is_still_held_to_the_per_minute_limit() -> None:
    clock = FakeClock()
    bucket = TokenBucket(600, burst=100, clock=clock, sleep=clock.sleep)
    times = []

    for _ in range(1500):
        bucket.acquire()
        times.append(clock())

    assert times[99] == 0.0  # the burst went at once
    assert _most_in_any_window(times, 60.0) <= 600


def test_token_bucket_reports_the_seconds_it_waited() -> None:
    clock = FakeClock()
    bucket = TokenBucket(60, clock=clock, sleep=clock.sleep)

    waits = [bucket.acquire() for _ in range(3)]

    assert waits == [0.0, 1.0, 1.0]


def test_token_bucket_held_counts_the_window_from_the_end_of_the_request() -> None:
    clock = FakeClock()
    bucket = TokenBucket(2, burst=2, clock=clock, sleep=clock.sleep)

    with bucket.held() as waited:
        clock.now += 5.0  # the request takes 5 s to answer
    second = bucket.acquire()
    third = bucket.acquire()

    assert (waited, second) == (0.0, 0.0)
    assert third == 60.0  # a minute after the first was answered (t = 5), not sent (t = 0)
    assert clock() == 65.0


def test_token_bucket_refuses_more_at_once_than_a_window_allows() -> None:
    bucket = TokenBucket(60, clock=FakeClock(), sleep=FakeClock().sleep)

    with pytest.raises(ValueError, match="send smaller batches"):
        bucket.acquire(61)


@settings(max_examples=60, deadline=None)
@given(
    per_minute=st.integers(min_value=1, max_value=120),
    burst=st.one_of(st.none(), st.integers(min_value=1, max_value=40)),
    steps=st.lists(
        st.tuples(st.floats(min_value=0, max_value=90), st.integers(min_value=1, max_value=10)),
        min_size=1,
        max_size=120,
    ),
)
def test_token_bucket_never_lets_more_than_per_minute_into_any_window(
    per_minute: int, burst: int | None, steps: list[tuple[float, int]]
) -> None:
    clock = FakeClock()
    bucket = TokenBucket(per_minute, burst=burst, clock=clock, sleep=clock.sleep)
    times: list[float] = []

    for idle_seconds, n in steps:
        clock.now += idle_seconds
        bucket.acquire(min(n, per_minute))
        times.extend([clock()] * min(n, per_minute))

    assert _most_in_any_window(times, 60.0, slack=1e-6) <= per_minute


def test_token_bucket_gives_concurrent_callers_distinct_slots() -> None:
    # Each thread keeps its own fake time, so a thread's sleep moves only its own clock.
    local = threading.local()
    lock = threading.Lock()
    waits: list[float] = []

    def clock() -> float:
        return getattr(local, "now", 0.0)

    def sleep(seconds: float) -> None:
        local.now = clock() + seconds

    bucket = TokenBucket(60, clock=clock, sleep=sleep)
    start = threading.Barrier(80)

    def caller() -> None:
        start.wait()
        waited = bucket.acquire()
        with lock:
            waits.append(waited)

    threads = [threading.Thread(target=caller) for _ in range(80)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # All reserve at t = 0; 60 a minute gives each its own one-second slot: 0, 1, ..., 79.
    assert sorted(waits) == [float(seconds) for seconds in range(80)]


def test_session_paces_each_api_by_its_own_bucket() -> None:
    clock = FakeClock()
    script = Script(Reply(200, {}))
    session = paced(script, clock, quotas={"sheets_read": 60, "calendar": 600})

    for _ in range(61):
        session.get(f"{SHEETS}/abc")
    sheets_time = clock()
    for _ in range(10):
        session.get(f"{GOOGLE}/calendar/v3/calendars/primary/events")

    assert sheets_time == 60.0  # a minute's 60 at once, the 61st a minute after the first
    assert clock() == sheets_time  # the calendar's 10 did not wait
    assert session.paced_seconds == pytest.approx(60.0)


def test_session_counts_a_window_from_when_google_answered() -> None:
    # The first request takes 2 s to answer: Google counted it somewhere in those 2 s, so the
    # 61st waits for a minute after that answer, not after the send.
    clock = FakeClock()
    sent: list[float] = []

    def answer(request: requests.PreparedRequest) -> Reply:
        sent.append(clock())
        if len(sent) == 1:
            clock.now += 2.0
        return Reply(200, {})

    session = paced(Script(answer), clock, quotas={"sheets_read": 60})

    for _ in range(61):
        session.get(f"{SHEETS}/abc")

    assert sent[1:60] == [2.0] * 59  # the rest of the first window at once
    assert sent[60] == 62.0


def test_unknown_quota_names_are_refused() -> None:
    with pytest.raises(ValueError, match="sheet_read"):
        PacedSession(AnonymousCredentials(), quotas={"sheet_read": 10})


def test_default_quotas_follow_googles_per_user_limits() -> None:
    assert DEFAULT_QUOTAS["sheets_read"] == 60
    assert DEFAULT_QUOTAS["sheets_write"] == 60
    assert DEFAULT_QUOTAS["calendar"] == 600
    assert DEFAULT_QUOTAS["drive"] * 100 <= 325_000  # files.list costs 100 units


# --- batches -------------------------------------------------------------------------------


def _batch_reply(request: requests.PreparedRequest) -> Reply:
    """Answer each part of a googleapiclient batch with 200 and a small event."""
    body = request.body.encode() if isinstance(request.body, str) else request.body
    assert isinstance(body, bytes)
    parts = []
    for number, content_id in enumerate(re.findall(rb"Content-ID: <([^>]+)>", body), 1):
        parts.append(
            "--stub\r\nContent-Type: application/http\r\n"
            f"Content-ID: <response-{content_id.decode()}>\r\n\r\n"
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n"
            f'{{"id": "event{number}"}}\r\n'
        )
    return Reply(
        200, "".join(parts) + "--stub--\r\n", {"Content-Type": "multipart/mixed; boundary=stub"}
    )


def test_batch_request_takes_one_token_per_inner_request() -> None:
    clock = FakeClock()
    script = Script(_batch_reply)
    session = paced(script, clock, endpoint=EMULATOR)
    spy = SpyBucket()
    session.buckets["calendar"] = spy  # type: ignore[assignment]
    http = RequestsHttp(session)
    calendar = build("calendar", "v3", http=http, static_discovery=True)
    created: list[str] = []
    batch = BatchHttpRequest(
        callback=lambda _id, response, error: created.append(response["id"]),
        batch_uri=f"{GOOGLE}/batch/calendar/v3",
    )
    for title in ("Algebra", "Reading", "Chemistry"):
        batch.add(calendar.events().insert(calendarId="primary", body={"summary": title}))

    batch.execute(http=http)

    assert created == ["event1", "event2", "event3"]
    assert spy.taken == [3]
    assert script.urls == [f"{EMULATOR}/batch/calendar/v3"]
    assert session.counts == {"calendar.batch": 1}
    assert session.batched == {"calendar.events.insert": 3}


def test_drive_batch_counts_against_the_drive_bucket() -> None:
    clock = FakeClock()
    script = Script(Reply(200, "--b--", {"Content-Type": "multipart/mixed; boundary=b"}))
    session = paced(script, clock)
    spy = SpyBucket()
    session.buckets["drive"] = spy  # type: ignore[assignment]
    part = (
        "--b\r\nContent-Type: application/http\r\n\r\n"
        "POST /drive/v3/files/f{n}/permissions HTTP/1.1\r\n"
        "Content-Type: application/json\r\n\r\n{{}}\r\n"
    )
    body = "".join(part.format(n=n) for n in range(2)) + "--b--\r\n"

    session.post(
        f"{GOOGLE}/batch/drive/v3",
        data=body,
        headers={"Content-Type": "multipart/mixed; boundary=b"},
    )

    assert spy.taken == [2]
    assert session.batched == {"drive.permissions.create": 2}


# --- classification and counting -----------------------------------------------------------


@pytest.mark.parametrize(
    "verb, url, expected",
    [
        ("GET", f"{SHEETS}/ID/values:batchGet?ranges=A1", "sheets.spreadsheets.values.batchGet"),
        ("POST", f"{SHEETS}/ID:batchUpdate", "sheets.spreadsheets.batchUpdate"),
        ("GET", f"{SHEETS}/ID?includeGridData=false", "sheets.spreadsheets.get"),
        ("POST", SHEETS, "sheets.spreadsheets.create"),
        ("GET", f"{SHEETS}/ID/values/%27Tab%201%27%21A1%3AB2", "sheets.spreadsheets.values.get"),
        ("GET", f"{SHEETS}/ID/values/Math/Science!A1", "sheets.spreadsheets.values.get"),
        (
            "PUT",
            f"{SHEETS}/ID/values/A1:B2?valueInputOption=RAW",
            "sheets.spreadsheets.values.update",
        ),
        ("POST", f"{SHEETS}/ID/values/A1:append", "sheets.spreadsheets.values.append"),
        ("POST", f"{SHEETS}/ID/values:batchUpdate", "sheets.spreadsheets.values.batchUpdate"),
        (
            "POST",
            f"{SHEETS}/ID/developerMetadata:search",
            "sheets.spreadsheets.developerMetadata.search",
        ),
        ("GET", f"{GOOGLE}/calendar/v3/calendars/a%40b.org/events", "calendar.events.list"),
        ("POST", f"{GOOGLE}/calendar/v3/calendars/primary/events", "calendar.events.insert"),
        ("GET", f"{GOOGLE}/calendar/v3/calendars/primary/events/e1", "calendar.events.get"),
        ("PATCH", f"{GOOGLE}/calendar/v3/calendars/primary/events/e1", "calendar.events.patch"),
        ("PUT", f"{GOOGLE}/calendar/v3/calendars/primary/events/e1", "calendar.events.update"),
        ("DELETE", f"{GOOGLE}/calendar/v3/calendars/primary/events/e1", "calendar.events.delete"),
        ("POST", f"{GOOGLE}/calendar/v3/freeBusy", "calendar.freebusy.query"),
        ("GET", f"{GOOGLE}/drive/v3/files?q=trashed%3Dfalse", "drive.files.list"),
        ("POST", f"{GOOGLE}/drive/v3/files", "drive.files.create"),
        ("POST", f"{GOOGLE}/upload/drive/v3/files?uploadType=multipart", "drive.files.create"),
        ("GET", f"{GOOGLE}/drive/v3/files/f1", "drive.files.get"),
        ("PATCH", f"{GOOGLE}/drive/v3/files/f1", "drive.files.update"),
        ("DELETE", f"{GOOGLE}/drive/v3/files/f1", "drive.files.delete"),
        ("GET", f"{GOOGLE}/drive/v3/files/generateIds", "drive.files.generateIds"),
        ("POST", f"{GOOGLE}/drive/v3/files/f1/copy", "drive.files.copy"),
        ("GET", f"{GOOGLE}/drive/v3/files/f1/permissions", "drive.permissions.list"),
        ("POST", f"{GOOGLE}/drive/v3/files/f1/permissions", "drive.permissions.create"),
        ("DELETE", f"{GOOGLE}/drive/v3/files/f1/permissions/p1", "drive.permissions.delete"),
        ("POST", f"{GOOGLE}/batch/calendar/v3", "calendar.batch"),
        ("POST", f"{GOOGLE}/batch/drive/v3", "drive.batch"),
        ("GET", f"{EMULATOR}/calendar/v3/calendars/primary/events", "calendar.events.list"),
        ("get", f"{EMULATOR}/v4/spreadsheets/ID", "sheets.spreadsheets.get"),
        ("DELETE", f"{SHEETS}/ID", "other"),
        ("GET", "https://example.org/v5/things", "other"),
    ],
)
def test_method_id_names_the_discovery_method(verb: str, url: str, expected: str) -> None:
    assert method_id(verb, url) == expected


@pytest.mark.parametrize(
    "call, verb, bucket",
    [
        ("sheets.spreadsheets.get", "GET", "sheets_read"),
        ("sheets.spreadsheets.values.batchGet", "GET", "sheets_read"),
        ("sheets.spreadsheets.developerMetadata.search", "POST", "sheets_read"),
        ("sheets.spreadsheets.batchUpdate", "POST", "sheets_write"),
        ("sheets.spreadsheets.create", "POST", "sheets_write"),
        ("sheets.spreadsheets.values.update", "PUT", "sheets_write"),
        ("sheets.spreadsheets.values.batchUpdate", "POST", "sheets_write"),
        ("calendar.events.insert", "POST", "calendar"),
        ("calendar.batch", "POST", "calendar"),
        ("drive.permissions.create", "POST", "drive"),
        ("other", "GET", "other"),
    ],
)
def test_quota_bucket_groups_calls_as_google_counts_them(call: str, verb: str, bucket: str) -> None:
    assert quota_bucket(call, verb) == bucket


def test_every_attempt_is_counted_by_method_id() -> None:
    clock = FakeClock()
    script = Script(Reply(200, {}))
    session = paced(script, clock)

    session.get(f"{SHEETS}/abc/values:batchGet", params={"ranges": ["Roster"]})
    session.post(f"{SHEETS}/abc:batchUpdate", json={"requests": []})
    session.post(f"{SHEETS}/abc:batchUpdate", json={"requests": []})
    session.post(f"{GOOGLE}/calendar/v3/calendars/primary/events", json={})
    session.post(f"{GOOGLE}/drive/v3/files/f1/permissions", json={"role": "reader"})

    assert session.counts == {
        "sheets.spreadsheets.values.batchGet": 1,
        "sheets.spreadsheets.batchUpdate": 2,
        "calendar.events.insert": 1,
        "drive.permissions.create": 1,
    }
    assert session.snapshot()["counts"] == dict(session.counts)


def test_counts_stay_exact_under_concurrent_requests() -> None:
    clock = FakeClock()
    script = Script(Reply(200, {}))
    session = paced(script, clock)

    def work() -> None:
        for _ in range(25):
            session.get(f"{SHEETS}/abc")

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert session.counts == {"sheets.spreadsheets.get": 200}


# --- endpoint and timeout ------------------------------------------------------------------


def test_endpoint_rewrites_google_hosts_and_keeps_path_and_query() -> None:
    clock = FakeClock()
    script = Script(Reply(200, {}))
    session = paced(script, clock, endpoint=EMULATOR + "/")

    session.get(f"{SHEETS}/abc/values:batchGet", params={"ranges": "Roster!A:Z"})
    session.get(f"{GOOGLE}/drive/v3/files/f1?fields=id")

    assert script.urls == [
        f"{EMULATOR}/v4/spreadsheets/abc/values:batchGet?ranges=Roster%21A%3AZ",
        f"{EMULATOR}/drive/v3/files/f1?fields=id",
    ]
    assert session.counts == {"sheets.spreadsheets.values.batchGet": 1, "drive.files.get": 1}


def test_endpoint_leaves_oauth_and_other_hosts_alone() -> None:
    session = PacedSession(AnonymousCredentials(), endpoint=EMULATOR)

    assert session.rewrite_url("https://oauth2.googleapis.com/token") == (
        "https://oauth2.googleapis.com/token"
    )
    assert session.rewrite_url("https://www.googleapis.com.evil.test/x") == (
        "https://www.googleapis.com.evil.test/x"
    )
    assert session.rewrite_url(f"{GOOGLE}/calendar/v3/colors") == f"{EMULATOR}/calendar/v3/colors"


def test_default_timeout_applies_when_gspread_passes_none() -> None:
    clock = FakeClock()
    script = Script(Reply(200, {}))
    session = paced(script, clock, timeout_seconds=42)

    session.request("get", f"{SHEETS}/abc", timeout=None)  # what gspread's HTTPClient does
    session.get(f"{SHEETS}/abc")
    session.get(f"{SHEETS}/abc", timeout=5)

    assert script.timeouts == [42, 42, 5]


# --- the 401 refresh path ------------------------------------------------------------------


class RotatingCredentials(Credentials):
    """A token that goes stale; refreshing issues the next one (no HTTP)."""

    def __init__(self) -> None:
        super().__init__()
        self.token = "stale"
        self.refreshes = 0

    def refresh(self, request: Any) -> None:
        self.refreshes += 1
        self.token = f"fresh-{self.refreshes}"


def test_token_refresh_on_401_is_paced_and_counted_once_per_attempt() -> None:
    clock = FakeClock()
    script = Script(Reply(401, error_body(401, "authError")), Reply(200, {"id": "abc"}))
    credentials = RotatingCredentials()
    session = paced(script, clock, credentials=credentials)
    spy = SpyBucket()
    session.buckets["sheets_read"] = spy  # type: ignore[assignment]

    response = session.get(f"{SHEETS}/abc")

    assert response.status_code == 200
    assert credentials.refreshes == 1
    assert [r.headers["Authorization"] for r in script.received] == [
        "Bearer stale",
        "Bearer fresh-1",
    ]
    assert spy.taken == [1, 1]  # both HTTP attempts took a token
    assert session.counts == {"sheets.spreadsheets.get": 2}
    assert session.retries == {}  # a refresh is not a backoff retry
    assert script.timeouts == [60, 60]  # the re-send keeps our timeout


def test_a_401_that_survives_refreshes_is_returned_without_backoff() -> None:
    clock = FakeClock()
    script = Script(Reply(401, error_body(401, "authError")))
    credentials = RotatingCredentials()
    session = paced(script, clock, credentials=credentials)

    response = session.get(f"{SHEETS}/abc")

    assert response.status_code == 401
    assert credentials.refreshes == 2  # AuthorizedSession's own limit
    assert session.counts == {"sheets.spreadsheets.get": 3}
    assert session.retries == {}
    assert clock.sleeps == []


# --- gspread and googleapiclient end to end ------------------------------------------------


def test_gspread_open_by_key_goes_through_the_paced_session() -> None:
    clock = FakeClock()
    metadata = {
        "spreadsheetId": "abc",
        "properties": {"title": "Grade 7 gradebook", "locale": "en_US"},
        "sheets": [{"properties": {"sheetId": 0, "title": "Scores", "index": 0}}],
    }
    script = Script(Reply(200, metadata))
    session = paced(script, clock, endpoint=EMULATOR)
    client = gspread.Client(auth=None, session=session)  # type: ignore[arg-type]

    spreadsheet = client.open_by_key("abc")

    assert spreadsheet.title == "Grade 7 gradebook"
    assert script.urls == [f"{EMULATOR}/v4/spreadsheets/abc?includeGridData=false"]
    assert script.timeouts == [60]  # gspread passed timeout=None
    assert session.counts == {"sheets.spreadsheets.get": 1}


def test_googleapiclient_events_list_goes_through_the_paced_session() -> None:
    clock = FakeClock()
    events = {"kind": "calendar#events", "items": [{"id": "e1", "summary": "Algebra"}]}
    script = Script(Reply(200, events))
    session = paced(script, clock, endpoint=EMULATOR)
    calendar = build("calendar", "v3", http=RequestsHttp(session), static_discovery=True)

    result = calendar.events().list(calendarId="primary").execute()

    assert result == events
    assert script.urls[0].startswith(f"{EMULATOR}/calendar/v3/calendars/primary/events")
    assert session.counts == {"calendar.events.list": 1}


def test_googleapiclient_sees_a_final_error_as_http_error() -> None:
    clock = FakeClock()
    script = Script(Reply(404, error_body(404, "notFound")))
    session = paced(script, clock, endpoint=EMULATOR)
    drive = build("drive", "v3", http=RequestsHttp(session), static_discovery=True)

    with pytest.raises(HttpError) as raised:
        drive.files().get(fileId="missing").execute()

    assert raised.value.status_code == 404
    assert len(script.received) == 1
    assert session.counts == {"drive.files.get": 1}


def test_requests_http_sends_text_bodies_as_utf8_and_answers_like_httplib2() -> None:
    clock = FakeClock()
    script = Script(Reply(201, {"ok": True}, {"X-Trace": "t1"}))
    session = paced(script, clock)
    http = RequestsHttp(session)

    response, content = http.request(
        f"{GOOGLE}/drive/v3/files", "POST", body='{"name": "Zoë"}', headers={"a": "b"}
    )

    assert script.received[0].body == '{"name": "Zoë"}'.encode()
    assert response.status == 201
    assert response["status"] == "201"
    assert response["x-trace"] == "t1"
    assert json.loads(content) == {"ok": True}
    assert http.credentials is session.credentials
