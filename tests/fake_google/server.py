"""The HTTP side: FakeGoogle serves Sheets v4, Calendar v3 and Drive v3 on 127.0.0.1."""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import email.parser
import email.policy
import itertools
import json
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

from . import discovery, fieldmask, scopes
from .common import Call, Reply
from .errors import GoogleError, bad_request, sheets_body
from .fake_auth import FakeAuth, Grant
from .fake_calendar import FakeCalendar
from .fake_drive import FakeDrive
from .fake_sheets import FakeSheets
from .faults import Fault, Faults

GOOGLE_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")
_BATCH_PATHS = {"/batch/calendar/v3": "calendar", "/batch/drive/v3": "drive"}
_BATCH_LIMITS = {"calendar": 1000, "drive": 100}
_API_ENDPOINTS = {"sheets": ("v4", "/"), "calendar": ("v3", "/calendar/v3/")}
_API_ENDPOINTS["drive"] = ("v3", "/drive/v3/")
_JSON = "application/json; charset=UTF-8"
_DROPPED = 0  # RecordedRequest.status of a request whose connection was closed unanswered


_TOKEN_PATH = "/token"


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received (a batch part is recorded on its own, in_batch=True)."""

    method_id: str
    http_method: str
    path: str
    query: dict[str, list[str]]
    status: int
    body: Any = None
    in_batch: bool = False
    at: float = 0.0  # when it was answered, on the fake's clock
    # The order in which the fake decided how to answer (faults, cut-offs): requests served
    # at once, by a client's threads, may be answered and recorded in another order.
    decided: int = -1
    # Who sent it (the account its token stands for; "" without credentials), for requests
    # that got past the sign-in and scope checks.
    caller: str = ""


@dataclass
class _Answer:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    dropped: bool = False
    hold_seconds: float = 0.0  # keep the connection this long before answering or dropping it
    halt: bool = False  # a batch part refused with its connection: the rest of the batch is not
    # processed either


def _time_sleep(seconds: float) -> None:
    time.sleep(seconds)


def _json_answer(status: int, payload: Any, headers: dict[str, str] | None = None) -> _Answer:
    if payload is None:
        return _Answer(status, b"", dict(headers or {}))
    body = json.dumps(payload, separators=(",", ":")).encode()
    return _Answer(status, body, {"Content-Type": _JSON} | dict(headers or {}))


def _error_answer(error: GoogleError, path: str = "") -> _Answer:
    """Google's JSON for `error`; a Sheets v4 request (`path` under /v4/) gets Sheets' shape
    (no legacy errors[]; google.rpc details), Drive and Calendar the legacy one."""
    body = sheets_body(error) if path.startswith("/v4/") else error.body()
    return _json_answer(error.code, body, error.headers)


class FakeGoogle:
    """A stateful fake of Sheets v4, Calendar v3 and Drive v3 for the real client libraries.

    Use as a context manager (or start()/stop()); one per test is fine, starting takes ~1 ms.

    gspread, without credentials (HTTPClient uses the given session as is)::

        client = gspread.Client(auth=AnonymousCredentials(), session=fake.requests_session())

    or keep the production construction and redirect its AuthorizedSession::

        client = gspread.Client(auth=AnonymousCredentials())
        fake.mount(client.http_client.session)

    googleapiclient (fake.build(api) does exactly this)::

        build("calendar", "v3", credentials=AnonymousCredentials(), static_discovery=True,
              client_options={"api_endpoint": f"{fake.base_url}/calendar/v3/"})
        BatchHttpRequest(callback=..., batch_uri=fake.batch_uri("drive"))

    Every request is checked against the bundled discovery documents before any handler
    runs; a request Google would reject answers 400 and is added to `rejections`.
    """

    tokens_issued = 0

    def __init__(
        self,
        *,
        seed: int = 0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] | None = None,
    ) -> None:
        """`clock` times the quota windows; `sleep` waits out `faults.latency_seconds` (by
        default time.sleep, looked up when called). Give both a simulated clock to run quotas
        and latency without waiting."""
        self._rng = random.Random(seed)
        self._clock = clock
        self._sleep = sleep or _time_sleep
        self._lock = threading.RLock()
        self._decisions = itertools.count()
        self.sheets = FakeSheets(self._rng, on_create=self._spreadsheet_created)
        self.drive = FakeDrive(self._rng, self.sheets)
        self.calendar = FakeCalendar(self._rng)
        self.auth = FakeAuth()  # keys, users and delegations the token endpoint knows
        self.faults = Faults(random.Random(seed + 1), clock)
        self.requests: list[RecordedRequest] = []
        self.rejections: list[str] = []
        self.invalid_requests: list[str] = []  # rejections Google would make whatever the state
        self._handlers: dict[str, Callable[[Call], Reply]] = {}
        for service in (self.sheets, self.calendar, self.drive):
            self._handlers.update(service.handlers())
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()

    def _spreadsheet_created(self, spreadsheet_id: str, title: str) -> None:
        self.drive.register_spreadsheet(spreadsheet_id, title)

    # --------------------------------------------------------------------------- lifecycle

    def start(self) -> FakeGoogle:
        fake = self

        class Handler(_Handler):
            owner = fake

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.block_on_close = False  # stop() must not wait for idle keep-alive connections
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:  # end keep-alive connections still waiting for a request
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None

    def __enter__(self) -> FakeGoogle:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeGoogle is not started")
        return f"http://127.0.0.1:{self._server.server_port}"

    # ------------------------------------------------------------------------ inspection

    def counts(self) -> collections.Counter[str]:
        """Requests received per discovery method id (batch envelopes as "drive.batch")."""
        with self._lock:
            return collections.Counter(r.method_id for r in self.requests)

    @property
    def quota_rejections(self) -> int:
        return self.faults.quota_rejections

    def reset_log(self) -> None:
        """Forget recorded requests and rejections (state and faults stay)."""
        with self._lock:
            self.requests.clear()
            self.rejections.clear()
            self.invalid_requests.clear()

    # ------------------------------------------------------------------- client helpers

    def requests_session(self) -> requests.Session:
        """A requests.Session that sends Google's API hosts to this fake (for gspread)."""
        session = requests.Session()
        session.trust_env = False  # never send 127.0.0.1 through an environment proxy
        self.mount(session)
        return session

    def mount(self, session: requests.Session) -> requests.Session:
        """Redirect Google's API hosts on an existing session (e.g. an AuthorizedSession)."""
        adapter = GoogleHostsAdapter(self.base_url)
        for host in GOOGLE_HOSTS:
            session.mount(host, adapter)
        return session

    def api_endpoint(self, api: str) -> str:
        """The client_options api_endpoint for googleapiclient's build()."""
        return self.base_url + _API_ENDPOINTS[api][1]

    def batch_uri(self, api: str) -> str:
        """batch_uri for BatchHttpRequest ("calendar" or "drive")."""
        return f"{self.base_url}/batch/{api}/v3"

    def build(self, api: str) -> Any:
        """googleapiclient Resource for "sheets", "calendar" or "drive", aimed at this fake."""
        from google.auth.credentials import AnonymousCredentials
        from googleapiclient.discovery import build

        return build(
            api,
            _API_ENDPOINTS[api][0],
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": self.api_endpoint(api)},
            static_discovery=True,
            cache_discovery=False,
        )

    # -------------------------------------------------------------------------- dispatch

    def _record(self, request: RecordedRequest, rejection: str | None = None) -> None:
        with self._lock:
            self.requests.append(dataclasses.replace(request, at=self._clock()))
            if rejection:
                self.rejections.append(rejection)

    def dispatch(
        self,
        http_method: str,
        target: str,
        headers: dict[str, str],
        raw_body: bytes,
        *,
        in_batch: bool = False,
    ) -> _Answer:
        """Answer one HTTP request (a batch part when in_batch)."""
        parts = urlsplit(target)
        path = parts.path
        query_text = parts.query
        override = next(
            (v for k, v in headers.items() if k.lower() == "x-http-method-override"), ""
        )
        if override:
            # googleapiclient turns a GET with a URI over 2048 characters into a POST with
            # this header and the query string as a form-encoded body.
            http_method = override.upper()
            content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
            if "application/x-www-form-urlencoded" in content_type:
                query_text = "&".join(q for q in (query_text, raw_body.decode()) if q)
                raw_body = b""
        query = parse_qs(query_text, keep_blank_values=True)
        if path == _TOKEN_PATH and http_method == "POST" and not in_batch:
            return self._token(raw_body)
        if path in _BATCH_PATHS and not in_batch:
            if http_method != "POST":
                return self._reject(
                    f"{_BATCH_PATHS[path]}.batch",
                    http_method,
                    path,
                    query,
                    None,
                    GoogleError(405, "Batch requests must be POSTed."),
                    in_batch,
                )
            return self._batch(_BATCH_PATHS[path], path, query, headers, raw_body)
        try:
            method, path_params = discovery.route(http_method, path)
        except GoogleError as error:
            return self._reject(
                "unknown", http_method, path, query, None, error, in_batch, invalid=True
            )
        body: Any = None
        try:
            if raw_body.strip():
                body = json.loads(raw_body)
            discovery.validate_parameters(method, path_params, query)
            discovery.validate_body(method, body)
            if query.get("fields"):
                discovery.validate_fields_parameter(method, query["fields"][-1])
        except ValueError:  # JSON syntax
            invalid = bad_request("Invalid JSON payload received.")
            return self._reject(
                method.id, http_method, path, query, body, invalid, in_batch, invalid=True
            )
        except GoogleError as error:
            return self._reject(
                method.id, http_method, path, query, body, error, in_batch, invalid=True
            )

        try:
            grant, per_file = self._authorize(method, headers, path_params)
        except GoogleError as refused:  # credentials Google does not know, or scopes missing
            self._record(
                RecordedRequest(method.id, http_method, path, query, refused.code, body, in_batch)
            )
            return _error_answer(refused, path)

        decided = -1

        caller = grant.principal if grant is not None else ""

        def record(status: int) -> None:
            self._record(
                RecordedRequest(
                    method.id,
                    http_method,
                    path,
                    query,
                    status,
                    body,
                    in_batch,
                    decided=decided,
                    caller=caller,
                )
            )

        with self._lock:
            decided = next(self._decisions)
            planned = self.faults.decide(method.id, in_batch=in_batch)
            if planned is not None and not planned.after_apply:
                return self._act(planned, record, halt=True, path=path)
            refused = self._forbidden(path_params)
        if refused is not None:
            record(refused.code)
            return _error_answer(refused, path)
        if self.faults.latency_seconds and not in_batch:
            self._sleep(self.faults.latency_seconds)

        call = Call(method.id, path_params, query, body, grant, per_file)
        handler = self._handlers.get(method.id)
        if handler is None:
            missing = GoogleError(501, f"fake_google does not implement {method.id}.")
            return self._reject(
                method.id, http_method, path, query, body, missing, in_batch, invalid=True
            )
        with self._lock:
            try:
                reply = handler(call)
            except GoogleError as error:
                answer = _error_answer(error, path)
                if error.code in (400, 501):
                    rejection = f"{method.id} {http_method} {path}: {error.message}"
                    self._record(
                        RecordedRequest(
                            method.id, http_method, path, query, error.code, body, in_batch
                        ),
                        rejection,
                    )
                else:
                    record(error.code)
                return answer
            except Exception as bug:  # a bug in the fake must fail the test, not hang it
                crash = GoogleError(500, f"fake_google internal error in {method.id}: {bug!r}")
                self._record(
                    RecordedRequest(method.id, http_method, path, query, 500, body, in_batch),
                    f"{method.id} {http_method} {path}: {crash.message}",
                )
                return _error_answer(crash, path)
            if method.id == "sheets.spreadsheets.create" and grant is not None:
                self.drive.made_by(str(reply.body["spreadsheetId"]), grant)
            after = self.faults.after_apply(method.id, planned)
            if after is not None:  # the request was applied; its answer is lost or an error
                return self._act(after, record, halt=False, path=path)
            payload = reply.body
            mask = call.param("fields") or reply.default_fields
            if mask and isinstance(payload, dict):
                payload = fieldmask.prune(payload, fieldmask.parse(mask))
            record(reply.status)
        return _json_answer(reply.status, payload)

    def _act(
        self, fault: Fault, record: Callable[[int], None], *, halt: bool, path: str = ""
    ) -> _Answer:
        """Answer with an injected fault (counted in faults.injected by kind)."""
        self.faults.injected[fault.kind] += 1
        if fault.drop:
            record(_DROPPED)
            return _Answer(_DROPPED, dropped=True, hold_seconds=fault.hold_seconds, halt=halt)
        assert fault.error is not None
        record(fault.error.code)
        return _error_answer(fault.error, path)

    @property
    def token_uri(self) -> str:
        """Where a service account key made for the fake gets its access tokens."""
        return f"{self.base_url}{_TOKEN_PATH}"

    def _token(self, raw_body: bytes) -> _Answer:
        """OAuth 2.0 token endpoint: a service account's signed JWT (or a refresh token) for an
        access token, as oauth2.googleapis.com/token answers, refused as it refuses
        (`self.auth`: a deleted key, an unknown user, no delegation; fake_auth.py)."""
        status, payload = self.auth.exchange(parse_qs(raw_body.decode()))
        with self._lock:
            if status == 200:
                self.tokens_issued += 1
            self._record(RecordedRequest("oauth2.token", "POST", _TOKEN_PATH, {}, status))
        return _json_answer(status, payload)

    def _reject(
        self,
        method_id: str,
        http_method: str,
        path: str,
        query: dict[str, list[str]],
        body: Any,
        error: GoogleError,
        in_batch: bool,
        *,
        invalid: bool = False,
    ) -> _Answer:
        rejection = f"{method_id} {http_method} {path}: {error.message}"
        field_path = getattr(error, "field_path", None)
        if field_path:
            rejection += f" [field: {field_path}]"
        if invalid:
            # Not a state-dependent refusal (a missing tab) but a request Google would never
            # accept: an unknown method, parameter or field, or one the fake does not know.
            self.invalid_requests.append(rejection)
        self._record(
            RecordedRequest(method_id, http_method, path, query, error.code, body, in_batch),
            rejection,
        )
        return _error_answer(error, path)

    def _authorize(
        self, method: discovery.Method, headers: dict[str, str], path_params: dict[str, str]
    ) -> tuple[Grant | None, bool]:
        """Who calls, and whether its token reaches only its app's own files (drive.file).
        Raises GoogleError: 401 for credentials Google does not know, 403 when the token has
        none of the method's scopes, and (Sheets) 404 for a spreadsheet a drive.file token's
        app did not make."""
        authorization = next(
            (value for name, value in headers.items() if name.lower() == "authorization"), None
        )
        grant = self.auth.identify(authorization)
        per_file = scopes.per_file_only(method, grant)
        spreadsheet = path_params.get("spreadsheetId")
        if per_file and spreadsheet and not self.drive.reaches(spreadsheet, grant):
            with self._lock:
                exists = self.sheets.exists(spreadsheet)
            if exists:
                raise GoogleError(404, "Requested entity was not found.")
        return grant, per_file

    def _forbidden(self, path_params: dict[str, str]) -> GoogleError | None:
        for key in ("spreadsheetId", "fileId"):
            value = path_params.get(key)
            if value and self.sheets.is_forbidden(value):
                return GoogleError(403, "The caller does not have permission", reason="forbidden")
        return None

    # ----------------------------------------------------------------------------- batch

    def _batch(
        self,
        api: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        raw_body: bytes,
    ) -> _Answer:
        method_id = f"{api}.batch"
        content_type = headers.get("Content-Type") or headers.get("content-type") or ""
        parser = email.parser.BytesParser(policy=email.policy.compat32)
        message = parser.parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw_body
        )
        if not message.is_multipart():
            error = bad_request("A batch request must be multipart/mixed.")
            return self._reject(method_id, "POST", path, query, None, error, False)
        parts: list[Message] = message.get_payload()  # type: ignore[assignment]
        if len(parts) > _BATCH_LIMITS[api]:
            error = bad_request(
                f"Exceeds allowed inner batch requests limit of {_BATCH_LIMITS[api]}."
            )
            return self._reject(method_id, "POST", path, query, None, error, False)

        decided = -1

        def record(status: int) -> None:
            self._record(RecordedRequest(method_id, "POST", path, query, status, decided=decided))

        with self._lock:
            decided = next(self._decisions)
            planned = self.faults.decide(method_id, in_batch=False)
            if planned is not None and not planned.after_apply:
                return self._act(planned, record, halt=True)
        if self.faults.latency_seconds:  # one round trip; the parts add none
            self._sleep(self.faults.latency_seconds)
        answers = []
        lost: list[_Answer] = []  # parts whose fault takes the batch's connection with it
        for part in parts:
            try:
                inner_method, inner_target, inner_headers, inner_body = _parse_inner_request(
                    part.get_payload()
                )
            except ValueError:
                malformed = bad_request("A batch part is not an application/http request.")
                answer = self._reject(method_id, "POST", path, query, None, malformed, True)
            else:
                # The batch request's own headers apply to each part that does not set them.
                if not any(name.lower() == "authorization" for name in inner_headers):
                    inner_headers = {**_outer_authorization(headers), **inner_headers}
                answer = self.dispatch(
                    inner_method, inner_target, inner_headers, inner_body, in_batch=True
                )
            if answer.dropped:
                lost.append(answer)
                if answer.halt:  # refused before applying: nothing after it is processed
                    break
            answers.append((part.get("Content-ID", ""), answer))
        if planned is not None:  # applied, then failed: every part was processed
            with self._lock:
                self.faults.injected[planned.kind] += 1
            if planned.error is not None:
                record(planned.error.code)
                return _error_answer(planned.error)
            lost.append(_Answer(_DROPPED, dropped=True, hold_seconds=planned.hold_seconds))
        if lost:
            record(_DROPPED)
            return _Answer(_DROPPED, dropped=True, hold_seconds=max(a.hold_seconds for a in lost))
        self._record(RecordedRequest(method_id, "POST", path, query, 200))
        boundary = f"batch_{self._rng.getrandbits(64):016x}"
        chunks: list[str] = []
        for content_id, answer in answers:
            inner = content_id.strip().removeprefix("<").removesuffix(">")
            reason = HTTPStatus(answer.status).phrase if answer.status else "Unknown"
            head = [f"HTTP/1.1 {answer.status} {reason}"]
            head += [f"{k}: {v}" for k, v in answer.headers.items()]
            head.append(f"Content-Length: {len(answer.body)}")
            chunks.append(
                f"--{boundary}\r\nContent-Type: application/http\r\n"
                f"Content-ID: <response-{inner}>\r\n\r\n"
                + "\r\n".join(head)
                + "\r\n\r\n"
                + answer.body.decode()
                + "\r\n"
            )
        payload = ("".join(chunks) + f"--{boundary}--\r\n").encode()
        return _Answer(200, payload, {"Content-Type": f"multipart/mixed; boundary={boundary}"})


def _outer_authorization(headers: dict[str, str]) -> dict[str, str]:
    """The batch request's Authorization header, which a part without its own inherits (Google
    applies the outer request's headers, Content- ones aside, to every part not setting them)."""
    return {name: value for name, value in headers.items() if name.lower() == "authorization"}


def _parse_inner_request(payload: Any) -> tuple[str, str, dict[str, str], bytes]:
    """One application/http part -> (method, target, headers, body)."""
    text = payload if isinstance(payload, str) else payload.decode()
    head, _, body = text.replace("\r\n", "\n").partition("\n\n")
    request_line, *header_lines = head.split("\n")
    words = request_line.split(" ")
    if len(words) < 2:
        raise ValueError(request_line)
    method, target = words[0], words[1]
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip()
    raw_body = body.encode()
    length = next((v for k, v in headers.items() if k.lower() == "content-length"), None)
    if length is not None:
        raw_body = raw_body[: int(length)]
    return method, target, headers, raw_body


class GoogleHostsAdapter(HTTPAdapter):
    """Sends requests for Google's API hosts to the fake, keeping path and query."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self._base = urlsplit(base_url)

    def send(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        parts = urlsplit(request.url)
        request.url = urlunsplit(
            (self._base.scheme, self._base.netloc, parts.path, parts.query, "")
        )
        kwargs["proxies"] = {}
        return super().send(request, *args, **kwargs)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: requests and httplib2 reuse connections
    wbufsize = -1  # send status, headers and body in one write (flushed per request)
    owner: FakeGoogle

    def setup(self) -> None:
        super().setup()
        # Without this, Nagle's algorithm and delayed ACKs add ~40 ms to every request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.owner._lock:
            self.owner._connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.owner._lock:
                self.owner._connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        body = self._read_body()
        headers = {k: v for k, v in self.headers.items()}
        answer = self.owner.dispatch(self.command, self.path, headers, body)
        if answer.hold_seconds:
            # Not time.sleep: tests patch it to skip backoff, and the client must time out.
            threading.Event().wait(answer.hold_seconds)
        if answer.dropped:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if answer.body and self.command != "HEAD":
            self.wfile.write(answer.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve
