"""What the adapters on google-api-python-client share: a discovery client over the program's
`PacedSession`, batch requests, and reading Google's error replies.

Every request (batches too) goes through the session: paced, retried, timed out, counted. The
client keeps Google's own URLs; a session with an endpoint (a fake, an emulator) rewrites them.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

from google.auth.exceptions import GoogleAuthError
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest, HttpRequest

from jobs.errors import WorkspaceError
from jobs.workspace.google.transport import (
    PacedSession,
    RequestsHttp,
    Sleep,
    lasting_refusal,
    retry_after_seconds,
)

DEFAULT_UNIVERSE = "googleapis.com"

# A call's reply in a batch: (response, None) or (None, the error Google answered).
Outcome = tuple[dict[str, Any] | None, HttpError | None]


def build_service(session: PacedSession, api: str, version: str, api_root: str) -> Any:
    """The discovery client for `api` `version` (from the documents bundled with the library,
    no network), every request of it going through `session`. `api_root` is the API's root
    URL on Google (e.g. "https://www.googleapis.com/drive/v3/")."""
    return build(
        api,
        version,
        http=RequestsHttp(session),
        static_discovery=True,
        cache_discovery=False,
        client_options=client_options(session, api_root),
    )


def client_options(session: PacedSession, api_root: str) -> dict[str, str]:
    """googleapiclient refuses credentials from another universe than the client's. Keys for
    an emulator or the test fake name their own universe (so google-auth makes no lookups at
    Google); with an endpoint set, the client then keeps Google's URLs (`api_root`) for the
    session to rewrite. In another real universe, the client's own URLs for it are right."""
    universe = _universe(session)
    if universe == DEFAULT_UNIVERSE:
        return {}
    if session.endpoint:
        return {"universe_domain": universe, "api_endpoint": api_root}
    return {"universe_domain": universe}


def batch_uri(session: PacedSession, default: str) -> str:
    """Where batch requests go: Google's `default` (e.g. "https://www.googleapis.com/batch/
    drive/v3"), which a session with an endpoint rewrites, or the same in another universe."""
    universe = _universe(session)
    if universe == DEFAULT_UNIVERSE or session.endpoint:
        return default
    return default.replace(DEFAULT_UNIVERSE, universe)


def send_batch(requests: Sequence[HttpRequest], uri: str) -> list[Outcome | None]:
    """Send the requests as one batch HTTP request (through the session of the client that made
    them); each call's outcome, in order, or None for a call the reply said nothing about.
    Raises what the batch request as a whole raised (HttpError, BatchError, requests errors),
    and, as the session does for a single request, a SignInError when Google refuses to sign
    in and a WorkspaceError when a call met a refusal that lasts for hours and names its own
    fix (`lasting_refusal`): the calls after it would meet it too, so none is sent again."""
    outcomes: dict[str, Outcome] = {}

    def collect(request_id: str, response: Any, exception: Any) -> None:
        outcomes[request_id] = (response, exception)

    batch = BatchHttpRequest(callback=collect, batch_uri=uri)
    for index, request in enumerate(requests):
        batch.add(request, request_id=str(index))
    session = _session_of(requests)
    try:
        # googleapiclient renews an expired token itself here, outside the session.
        batch.execute()
    except GoogleAuthError as error:
        if session is None:
            raise
        raise session.sign_in_refused(error) from None
    found = [outcomes.get(str(index)) for index in range(len(requests))]
    account = session.service_account() if session is not None else ""
    for request, outcome in zip(requests, found, strict=True):
        failed = outcome[1] if outcome is not None else None
        if isinstance(failed, HttpError):
            status, _, _, content = error_parts(failed)
            refusal = lasting_refusal(request.methodId or "", request.uri, status, content, account)
            if refusal:
                raise WorkspaceError(refusal)
    return found


def _session_of(requests: Sequence[HttpRequest]) -> PacedSession | None:
    http = requests[0].http if requests else None
    session = getattr(http, "session", None)
    return session if isinstance(session, PacedSession) else None


class Resendable(Protocol):
    """A batch call that may be sent again: how often it was, and what Google asked to wait."""

    retries: int
    retry_after: float | None


Work = TypeVar("Work", bound=Resendable)


def send_in_rounds(
    work: Sequence[Work],
    send: Callable[[list[Work]], list[Outcome]],
    step: Callable[[Work, Outcome], Work | None],
    *,
    batch_limit: int,
    session: PacedSession,
    rng: random.Random,
    sleep: Sleep,
) -> None:
    """Send `work` in batches of at most `batch_limit`, round after round: `step` takes each
    call's outcome and returns what to send in the next round (the call again, or a follow-up
    call), or None once the call is settled. A round holding calls sent again waits first, by
    the session's backoff (and at least what Google asked)."""
    pending = list(work)
    round_number = 0
    while pending:
        resent = [item for item in pending if item.retries]
        if resent:
            asked = max(item.retry_after or 0.0 for item in resent)
            sleep(session.retry.wait_seconds(round_number, rng, asked))
            round_number += 1
        following: list[Work] = []
        for group in chunks(pending, batch_limit):
            for item, outcome in zip(group, send(group), strict=True):
                again = step(item, outcome)
                if again is not None:
                    following.append(again)
        pending = following


def chunks(items: Sequence[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def error_parts(error: HttpError) -> tuple[int, str, str, bytes]:
    """(status, first reason, message, raw body) of an HttpError."""
    content = error.content if isinstance(error.content, bytes) else bytes(error.content or b"")
    return error_parts_of(content, int(error.resp.status))


def error_parts_of(content: bytes, status: int) -> tuple[int, str, str, bytes]:
    """(status, first reason, message, raw body) of Google's JSON error body."""
    reason, message = "", ""
    try:
        document = json.loads(content or b"null")
    except ValueError:
        document = None
    detail = document.get("error") if isinstance(document, dict) else None
    if isinstance(detail, dict):
        message = str(detail.get("message", ""))
        errors = detail.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            reason = str(errors[0].get("reason", ""))
    return status, reason, message, content


def retry_after(error: HttpError) -> float | None:
    """The Retry-After a failed batch part carried, in seconds (None without one)."""
    value = error.resp.get("retry-after")
    return retry_after_seconds({"Retry-After": value}) if value else None


def _universe(session: PacedSession) -> str:
    return getattr(session.credentials, "universe_domain", None) or DEFAULT_UNIVERSE
