"""The Calendar port on Google Calendar v3, through google-api-python-client.

Every request goes through the program's `PacedSession` (paced, retried, timed out, counted).
One filtered events.list (paged) finds the program's events by their private extended
properties; changes go out in batches of at most 50 calls; freebusy.query asks at most 50
calendars at a time.

Events have ids derived from their keys (`jobs.model.calendar.event_id`), so an insert that
answers 409 "duplicate" names an event that already exists: a retried insert whose first reply
was lost, a run killed halfway, or an event a person deleted. It is read back. A live one is
patched into shape if it is not as wanted. A deleted one (status "cancelled") keeps its id for
ever and refuses patches (403), so it is left alone and the check-in is inserted under the
key's next id (generation 1, 2, ...): a rerun lists the event made again by its tags, and a
run killed halfway walks the same ids and finds what it made.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests
from googleapiclient.errors import BatchError, HttpError

from jobs.errors import WorkspaceError
from jobs.model.calendar import (
    KEY_PROPERTY,
    PROGRAM_PROPERTY,
    SCHEDULE_PROPERTY,
    Busy,
    CalendarEvent,
    event_id,
    generation_of,
)
from jobs.model.doctor import is_scratch_key
from jobs.workspace.google.discovery import (
    Outcome,
    batch_uri,
    build_service,
    chunks,
    error_parts,
    error_parts_of,
    retry_after,
    send_batch,
    send_in_rounds,
)
from jobs.workspace.google.transport import PacedSession, is_retryable, wall_sleep

API_ROOT = "https://www.googleapis.com/calendar/v3/"  # rewritten by the session, if it has one
BATCH_URI = "https://www.googleapis.com/batch/calendar/v3"  # likewise
BATCH_LIMIT = 50  # calls per batch: the older documented limit (the current guide says 1000)
FREEBUSY_LIMIT = 50  # calendars per freebusy.query (calendarExpansionMax)
PART_RETRIES = 3  # rounds a rate-limited or failed batch part is sent again
GENERATIONS = 100  # ids tried per key (each one Google keeps after a person deletes the event)
_PAGE_SIZE = 2500  # events.list maxResults maximum
_LIST_FIELDS = (
    "nextPageToken,items(id,status,summary,description,start,end,recurrence,"
    "attendees(email,responseStatus),extendedProperties)"
)
_SHOWN_FAILURES = 10  # events named in an error message; the rest are counted

Sleep = Callable[[float], object]


@dataclass
class _Op:
    """One call to make for one event: insert it, read it back (after a 409), or patch it."""

    kind: str  # "insert" | "get" | "patch"
    event: CalendarEvent
    google_id: str
    send_updates: str
    current: _Found | None = None  # for a patch: the event as Google has it
    retries: int = 0  # times sent again after a rate limit or server error
    retry_after: float | None = None  # what the last such answer asked to wait
    generation: int = 0  # of the key's ids (`event_id`), for an insert or a get after one


@dataclass(frozen=True)
class _Found:
    """An event of the program as Google has it."""

    google_id: str
    event: CalendarEvent
    responses: Mapping[str, str]  # attendee e-mail -> responseStatus, kept when patching


@dataclass(frozen=True)
class _Failure:
    event: CalendarEvent
    status: int
    reason: str
    message: str
    retryable: bool  # a rate limit or server error that outlasted the retries


class GoogleCalendar:
    """Calendars on Google Calendar. `account` names who tutorsync acts as, for messages;
    `sleep` waits between rounds that re-send rate-limited batch parts (injectable for
    tests)."""

    def __init__(
        self,
        session: PacedSession,
        *,
        account: str = "the service account",
        sleep: Sleep = wall_sleep,
        rng: random.Random | None = None,
    ) -> None:
        self._session = session
        self._account = account
        self._sleep = sleep
        self._last_listing: dict[tuple[str, str], list[_Found]] = {}
        # (calendar, key) -> the id of the event tutorsync keeps for the key, as last listed or
        # written: not the key's first id once a person deleted the event (for links).
        self._google_ids: dict[tuple[str, str], str] = {}
        self._rng = rng if rng is not None else random.Random()
        # Google's own URLs: the session rewrites them to its endpoint (a fake, an emulator).
        self._service: Any = build_service(session, "calendar", "v3", API_ROOT)
        self._batch_uri = batch_uri(session, BATCH_URI)

    # --- The port --------------------------------------------------------------------------

    def list_events(self, calendar: str, program_key: str) -> list[CalendarEvent]:
        """The program's events in the calendar, not cancelled: one filtered listing, paged."""
        found = self._listed(calendar, program_key)
        # A run lists, plans, then upserts: the upsert reuses this listing rather than
        # listing again (one listing per run is the lower bound).
        self._last_listing[(calendar, program_key)] = found
        return [each.event for each in found]

    def busy(self, emails: Sequence[str], start: datetime, end: datetime) -> dict[str, list[Busy]]:
        """Busy intervals per person in [start, end), from freebusy.query in groups of 50
        calendars; a calendar Google reports errors for (not shared, not found) is absent."""
        _require_aware(start, "start")
        _require_aware(end, "end")
        wanted = list(dict.fromkeys(emails))
        result: dict[str, list[Busy]] = {}
        for group in chunks(wanted, FREEBUSY_LIMIT):
            body = {
                "timeMin": _rfc3339_utc(start),
                "timeMax": _rfc3339_utc(end),
                "timeZone": "UTC",
                "items": [{"id": email} for email in group],
            }
            answer = self._call(
                "free/busy for "
                + (f"{len(group)} calendars" if len(group) > 1 else f"calendar {group[0]}"),
                self._service.freebusy().query(body=body).execute,
            )
            calendars = answer.get("calendars") or {}
            by_lower = {key.lower(): value for key, value in calendars.items()}
            for email in group:
                found = calendars.get(email) or by_lower.get(email.lower())
                if found is None or found.get("errors"):
                    continue
                result[email] = [
                    Busy(_parse_time(interval["start"]), _parse_time(interval["end"]))
                    for interval in found.get("busy") or []
                ]
        return result

    def upsert(
        self,
        calendar: str,
        program_key: str,
        events: Sequence[CalendarEvent],
        *,
        notify_new: bool,
        notify_changed: bool,
    ) -> None:
        """Make each event exist exactly as given: insert new keys (with their derived ids),
        patch changed ones, leave identical ones alone (a rerun writes nothing). Batches of
        at most 50 calls; rate-limited parts are sent again up to PART_RETRIES rounds."""
        failures = self._upsert(calendar, program_key, events, notify_new, notify_changed)
        if failures:
            raise WorkspaceError(self._explain_failures(calendar, failures))

    def _upsert(
        self,
        calendar: str,
        program_key: str,
        events: Sequence[CalendarEvent],
        notify_new: bool,
        notify_changed: bool,
    ) -> list[_Failure]:
        wanted = [_canonical(event) for event in events]
        keys = [event.key for event in wanted]
        if len(set(keys)) != len(keys):
            duplicate = next(key for key in keys if keys.count(key) > 1)
            raise WorkspaceError(
                f"the check-in {duplicate!r} would be written twice to calendar {calendar}; "
                "nothing was written"
            )
        if not wanted:
            return []
        listed = self._last_listing.pop((calendar, program_key), None)
        if listed is None:
            listed = self._listed(calendar, program_key)
        existing = {found.event.key: found for found in listed}
        new_updates = "all" if notify_new else "none"
        changed_updates = "all" if notify_changed else "none"
        ops: list[_Op] = []
        for event in wanted:
            if event.key not in existing:
                ops.append(_Op("insert", event, event_id(event.key), new_updates))
                continue
            found = existing[event.key]
            if found.event != event:
                ops.append(_Op("patch", event, found.google_id, changed_updates, found))
        return self._apply(calendar, program_key, ops, new_updates)

    def try_upsert(
        self, calendar: str, program_key: str, events: Sequence[CalendarEvent]
    ) -> list[tuple[CalendarEvent, str]]:
        """`upsert`, inviting nobody, for `doctor --deep`: each event not written with why
        (as upsert's error would explain it), instead of raising."""
        failures = self._upsert(calendar, program_key, events, False, False)
        return [(failure.event, self._why(calendar, failure)) for failure in failures]

    def remove_scratch(self, calendar: str, program_key: str) -> str:
        """Delete every live event tagged with `program_key`, which must be a scratch key of
        `doctor --deep` (tutorsync deletes no check-in), telling nobody. Returns what was
        done; raises WorkspaceError naming each event left."""
        if not is_scratch_key(program_key):
            raise ValueError(f"{program_key!r} is not a scratch key; tutorsync removes no other")
        done: list[str] = []
        left: list[str] = []
        for item in self._items(calendar, program_key):
            if item.get("status") == "cancelled":
                continue
            label = f"'{item.get('summary', '')}' (event ID {item['id']})"
            request = self._service.events().delete(
                calendarId=calendar, eventId=item["id"], sendUpdates="none"
            )
            try:
                self._delete(request, calendar, label)
            except WorkspaceError as error:
                left.append(f"{label}: {error}")
            else:
                done.append(f"deleted {label}")
        if left:
            raise WorkspaceError(
                f"left in calendar {calendar}, for a person to delete: " + "; ".join(left)
            )
        return "; ".join(done) or "nothing was left to remove"

    def _delete(self, request: Any, calendar: str, label: str) -> None:
        """Send an events.delete; one that answers 410 (deleted already: a reply lost, then
        sent again) or 404 is done."""
        try:
            request.execute()
        except HttpError as error:
            status, _, message, content = error_parts(error)
            if status not in (404, 410):
                raise WorkspaceError(
                    self._explain(label, calendar, status, message, content)
                ) from None
        except requests.RequestException as error:
            raise WorkspaceError(
                f"could not reach Google Calendar to delete it ({type(error).__name__})"
            ) from None

    def link(self, calendar: str, event: CalendarEvent, *, from_spreadsheet: str) -> str:
        """Google Calendar's address of the event: its eid is the event and calendar IDs (the
        event's id as listed or written by this adapter; else the key's first id)."""
        google_id = self._google_ids.get((calendar, event.key), event.event_id)
        eid = base64.urlsafe_b64encode(f"{google_id} {calendar}".encode()).decode()
        return f"https://calendar.google.com/calendar/event?eid={eid.rstrip('=')}"

    # --- Writing ---------------------------------------------------------------------------

    def _apply(
        self, calendar: str, program_key: str, ops: list[_Op], restore_updates: str
    ) -> list[_Failure]:
        """Send ops in rounds of batches until each is done, failed, or out of retries."""
        failures: list[_Failure] = []

        def step(op: _Op, outcome: Outcome) -> _Op | None:
            response, error = outcome
            follow_up, failure = self._next_step(op, response, error, program_key, restore_updates)
            if failure is not None:
                failures.append(failure)
            elif follow_up is None:  # done: the event is as wanted under this id
                self._google_ids[(calendar, op.event.key)] = op.google_id
            return follow_up

        send_in_rounds(
            ops,
            lambda chunk: self._send_batch(calendar, program_key, chunk),
            step,
            batch_limit=BATCH_LIMIT,
            session=self._session,
            rng=self._rng,
            sleep=self._sleep,
        )
        return failures

    def _next_step(
        self,
        op: _Op,
        response: dict[str, Any] | None,
        error: HttpError | None,
        program_key: str,
        restore_updates: str,
    ) -> tuple[_Op | None, _Failure | None]:
        if error is None:
            assert response is not None
            if op.kind != "get":
                return None, None
            if response.get("status") == "cancelled":
                return _made_again(op)
            # Read back after a 409: the event exists. Patch it unless it is as wanted, tags
            # included (untagged, the next run's listing would miss it again).
            found = _found(response)
            if found.event == op.event and _private(response).get(PROGRAM_PROPERTY) == program_key:
                return None, None
            return _Op("patch", op.event, op.google_id, restore_updates, found), None
        status, reason, message, content = error_parts(error)
        if op.kind == "insert" and status == 409:
            return replace(op, kind="get", retries=0, retry_after=None), None
        if is_retryable(status, content) and op.retries < PART_RETRIES:
            return replace(op, retries=op.retries + 1, retry_after=retry_after(error)), None
        return None, _Failure(op.event, status, reason, message, is_retryable(status, content))

    def _send_batch(self, calendar: str, program_key: str, ops: Sequence[_Op]) -> list[Outcome]:
        """One batch request; the (response, error) of each op, in order."""
        events = self._service.events()
        calls: list[Any] = []
        for op in ops:
            if op.kind == "insert":
                body = {"id": op.google_id, **_body(op.event, program_key)}
                request = events.insert(calendarId=calendar, body=body, sendUpdates=op.send_updates)
            elif op.kind == "patch":
                request = events.patch(
                    calendarId=calendar,
                    eventId=op.google_id,
                    body=_patch_body(op.event, program_key, op.current),
                    sendUpdates=op.send_updates,
                )
            else:
                request = events.get(calendarId=calendar, eventId=op.google_id)
            calls.append(request)
        what = f"{len(ops)} events in calendar {calendar}"
        outcomes: list[Outcome | None] = self._call(
            what, lambda: send_batch(calls, self._batch_uri), calendar=calendar
        )
        replied = [outcome for outcome in outcomes if outcome is not None]
        if len(replied) < len(ops):
            raise WorkspaceError(
                f"Google Calendar answered a batch for calendar {calendar} without replies "
                f"for {len(ops) - len(replied)} of its {len(ops)} calls; run again"
            )
        return replied

    # --- Reading ---------------------------------------------------------------------------

    def _listed(self, calendar: str, program_key: str) -> list[_Found]:
        """The program's live events, one per key: if two carry the same key (say, a person
        restored a deleted one that had been made again), the one of the key's earliest id."""
        by_key: dict[str, _Found] = {}
        for item in self._items(calendar, program_key):
            if item.get("status") == "cancelled":
                continue
            found = _found(item)
            key = found.event.key
            if key not in by_key or _rank(found) < _rank(by_key[key]):
                by_key[key] = found
        for key, found in by_key.items():
            self._google_ids[(calendar, key)] = found.google_id
        return list(by_key.values())

    def _items(self, calendar: str, program_key: str) -> Iterator[dict[str, Any]]:
        page_token: str | None = None
        while True:
            page = self._call(
                f"calendar {calendar}",
                self._service.events()
                .list(
                    calendarId=calendar,
                    privateExtendedProperty=f"{PROGRAM_PROPERTY}={program_key}",
                    showDeleted=False,
                    maxResults=_PAGE_SIZE,
                    fields=_LIST_FIELDS,
                    pageToken=page_token,
                )
                .execute,
                calendar=calendar,
            )
            yield from page.get("items") or []
            page_token = page.get("nextPageToken")
            if not page_token:
                return

    # --- Errors ----------------------------------------------------------------------------

    def _call(self, what: str, call: Callable[[], Any], *, calendar: str | None = None) -> Any:
        """Run one API call; turn what Google says into a message naming what was asked."""
        try:
            return call()
        except HttpError as error:
            status, _, message, content = error_parts(error)
            raise WorkspaceError(self._explain(what, calendar, status, message, content)) from None
        except BatchError as error:
            raise WorkspaceError(
                f"Google Calendar sent an unreadable batch reply for {what} ({error}); run again"
            ) from None
        except requests.RequestException as error:
            raise WorkspaceError(
                f"could not reach Google Calendar for {what} ({type(error).__name__}); "
                "check the network and run again"
            ) from None

    def _explain(
        self, what: str, calendar: str | None, status: int, message: str, content: bytes
    ) -> str:
        _, reason, _, _ = error_parts_of(content, status)
        if reason == _SERVICE_ACCOUNT_INVITES:
            return self._no_invites(what)
        if calendar is not None and status == 404:
            return self._not_found(calendar)
        if calendar is not None and status == 403 and not is_retryable(status, content):
            return self._forbidden(calendar)
        if is_retryable(status, content):
            return (
                f"Google Calendar is busy or over quota for {what} "
                f"({f'{status} {message}'.strip()}); run again later"
            )
        return f"Google Calendar refused a request for {what}: {status} {message}".strip()

    def _not_found(self, calendar: str) -> str:
        return (
            f"calendar {calendar} was not found; check its ID (Calendar settings › Integrate "
            f"calendar › Calendar ID), and that it is shared with {self._account}"
        )

    def _forbidden(self, calendar: str) -> str:
        return (
            f"{self._account} may not change events in calendar {calendar}; share the calendar "
            f"with {self._account} (Make changes to events)"
        )

    def _no_invites(self, what: str) -> str:
        return (
            f"{self._account} may not invite attendees to events ({what}): Google lets a "
            "service account invite people only with domain-wide delegation; have a Workspace "
            'admin delegate the Calendar scope and set auth = "delegated" with subject = the '
            'coordinator\'s account, or use auth = "oauth" to act as the coordinator'
        )

    def _explain_failures(self, calendar: str, failures: Sequence[_Failure]) -> str:
        """One message for every event not written, grouped by why."""
        groups: dict[str, list[_Failure]] = {}
        for failure in failures:
            groups.setdefault(self._why(calendar, failure), []).append(failure)
        lines = [f"{len(failures)} event(s) were not written to calendar {calendar}:"]
        for why, group in groups.items():
            names = [f"'{failure.event.summary}'" for failure in group[:_SHOWN_FAILURES]]
            more = len(group) - len(names)
            listed = ", ".join(names) + (f" and {more} more" if more else "")
            lines.append(f"- {listed}: {why}")
        return "\n".join(lines)

    def _why(self, calendar: str, failure: _Failure) -> str:
        """Why an event was not written, and what to change."""
        if failure.reason == _SERVICE_ACCOUNT_INVITES:
            return self._no_invites(f"calendar {calendar}")
        if failure.reason == _DELETED_TOO_OFTEN:
            return failure.message
        if failure.retryable:
            return (
                f"Google Calendar kept answering {failure.status} {failure.message} "
                f"after {PART_RETRIES} retries; run again later"
            )
        if failure.status == 403:
            return self._forbidden(calendar)
        if failure.status == 404:
            return self._not_found(calendar)
        return f"Google Calendar refused them: {failure.status} {failure.message}"


# Google's reason when a service account without domain-wide delegation invites attendees.
_SERVICE_ACCOUNT_INVITES = "forbiddenForServiceAccounts"
# Ours, for a check-in whose every id is held by an event a person deleted.
_DELETED_TOO_OFTEN = "tutorsync:deletedTooOften"


def _made_again(op: _Op) -> tuple[_Op | None, _Failure | None]:
    """After a get finds the id held by a deleted event: insert under the key's next id. A
    deleted event is never patched (Google answers 403); it stays in the calendar's Trash."""
    generation = op.generation + 1
    if generation < GENERATIONS:
        again = _Op("insert", op.event, event_id(op.event.key, generation), op.send_updates)
        return replace(again, generation=generation), None
    message = (
        f"each of the {GENERATIONS} IDs tutorsync gives such a check-in is held by one that was "
        "deleted, so it is no longer made again; restore the latest from the calendar's Trash "
        "to keep it, or change the roster or [checkins] so that it is not planned"
    )
    return None, _Failure(op.event, 409, _DELETED_TOO_OFTEN, message, False)


def _rank(found: _Found) -> tuple[bool, int]:
    """Events of one key in order of preference: the key's ids, earliest first, then others."""
    generation = generation_of(found.event.key, found.google_id)
    return generation is None, generation or 0


# --- Pure helpers ---------------------------------------------------------------------------


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise WorkspaceError(f"{name} {moment.isoformat()} has no time zone")


def _rfc3339_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _canonical(event: CalendarEvent) -> CalendarEvent:
    """The event as Google will give it back: times in its timezone, attendees lower case,
    sorted and unique."""
    _require_aware(event.start, f"the start of '{event.summary}'")
    _require_aware(event.end, f"the end of '{event.summary}'")
    try:
        zone = ZoneInfo(event.timezone)
    except (ValueError, ZoneInfoNotFoundError):
        raise WorkspaceError(
            f"'{event.summary}': {event.timezone!r} is not a time zone (use an IANA name such "
            "as America/Chicago)"
        ) from None
    return replace(
        event,
        start=event.start.astimezone(zone),
        end=event.end.astimezone(zone),
        recurrence=tuple(event.recurrence),
        attendees=tuple(sorted({email.strip().lower() for email in event.attendees})),
    )


def _event_time(moment: datetime, timezone: str) -> dict[str, str]:
    return {"dateTime": moment.astimezone(ZoneInfo(timezone)).isoformat(), "timeZone": timezone}


def _body(event: CalendarEvent, program_key: str) -> dict[str, Any]:
    """The Event resource for insert and patch (patch replaces every field named here)."""
    return {
        "summary": event.summary,
        "description": event.description,
        "start": _event_time(event.start, event.timezone),
        "end": _event_time(event.end, event.timezone),
        "recurrence": list(event.recurrence),
        "attendees": [{"email": email} for email in event.attendees],
        "visibility": "private",
        "guestsCanSeeOtherGuests": True,
        "reminders": {"useDefault": True},
        "status": "confirmed",
        "extendedProperties": {
            "private": {
                KEY_PROPERTY: event.key,
                PROGRAM_PROPERTY: program_key,
                SCHEDULE_PROPERTY: event.schedule,
            }
        },
    }


def _patch_body(event: CalendarEvent, program_key: str, current: _Found | None) -> dict[str, Any]:
    """The patch for an existing event. Attendees are a list, which a patch replaces whole: left
    out when unchanged, and sent with the answers people already gave when changed, so a
    moved time or new description does not reset everyone's RSVP."""
    body = _body(event, program_key)
    if current is None:
        return body
    if current.event.attendees == event.attendees:
        del body["attendees"]
    else:
        body["attendees"] = [
            {"email": email, "responseStatus": current.responses[email]}
            if email in current.responses
            else {"email": email}
            for email in event.attendees
        ]
    return body


def _read_time(value: Mapping[str, Any]) -> tuple[datetime, str | None]:
    """An EventDateTime as an aware datetime in its timeZone (all-day dates at midnight)."""
    zone_name = value.get("timeZone")
    zone = ZoneInfo(zone_name) if zone_name else None
    if value.get("dateTime"):
        moment = _parse_time(value["dateTime"])
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone or UTC)
        return (moment.astimezone(zone) if zone else moment), zone_name
    day = datetime.fromisoformat(value["date"])
    return day.replace(tzinfo=zone or UTC), zone_name


def _private(item: Mapping[str, Any]) -> Mapping[str, Any]:
    return (item.get("extendedProperties") or {}).get("private") or {}


def _found(item: Mapping[str, Any]) -> _Found:
    responses = {
        str(attendee["email"]).lower(): str(attendee["responseStatus"])
        for attendee in item.get("attendees") or []
        if attendee.get("email") and attendee.get("responseStatus")
    }
    return _Found(str(item["id"]), _event_of(item), responses)


def _event_of(item: Mapping[str, Any]) -> CalendarEvent:
    """A Google event as the port's CalendarEvent."""
    private = _private(item)
    start, zone = _read_time(item.get("start") or {})
    end, _ = _read_time(item.get("end") or {})
    return CalendarEvent(
        key=str(private.get(KEY_PROPERTY, "")),
        summary=str(item.get("summary", "")),
        description=str(item.get("description", "")),
        start=start,
        end=end,
        timezone=zone or str(start.tzinfo),
        recurrence=tuple(item.get("recurrence") or ()),
        attendees=tuple(
            sorted({str(a["email"]).lower() for a in item.get("attendees") or [] if "email" in a})
        ),
        schedule=str(private.get(SCHEDULE_PROPERTY, "")),
    )
