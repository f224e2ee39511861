"""Calendar v3: events (insert/get/list/patch/update/delete, sync tokens) and freebusy.query.

Behaviours chosen where Google's docs leave room:
- events.get of a deleted event returns it with status "cancelled" (the Event.status docs: "The
  get method always returns them"); deleting it again answers 410 "Resource has been deleted".
- A deleted event keeps its id, as on Google (google-api-python-client#846,
  google-api-ruby-client#1811, GAMADV-X#82): inserting the same id again answers 409
  duplicate "The requested identifier already exists.", and patch or update of it answers 403
  forbidden "Forbidden". Only a person can restore it (from Calendar's Trash: `undelete`).
- A sync token remembers the extended-property filters of the list call that produced it;
  combining syncToken with timeMin/timeMax/q/iCalUID/orderBy/updatedMin/extended-property
  filters answers 400, as documented.
- Recurring events: RRULE FREQ=DAILY/WEEKLY (INTERVAL, COUNT, UNTIL, BYDAY) is expanded for
  freebusy and time filters; other rules count as their first occurrence only.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from .common import Call, Reply, decode_token, encode_token, now_rfc3339, paginate, random_id
from .errors import GoogleError, bad_request

_EVENT_ID = re.compile(r"[a-v0-9]{5,1024}")
_SYNC_CONFLICTS = (
    *("timeMin", "timeMax", "q", "iCalUID", "orderBy", "updatedMin"),
    *("privateExtendedProperty", "sharedExtendedProperty"),
)
_SERVER_FIELDS = (
    *("kind", "etag", "id", "htmlLink", "created", "updated", "iCalUID", "creator"),
    *("organizer", "sequence"),
)
_WEEKDAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
_MAX_OCCURRENCES = 1000
FAKE_USER = "tutorsync-test@example.com"


@dataclass
class _Calendar:
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    # event id -> sequence number of its last change, for incremental sync.
    changed_at: dict[str, int] = field(default_factory=dict)


def parse_time(value: dict[str, Any] | str) -> dt.datetime:
    """EventDateTime ({dateTime, timeZone} or {date}) or RFC3339 text -> aware datetime."""
    if isinstance(value, str):
        text, zone = value, None
    elif value.get("dateTime"):
        text, zone = value["dateTime"], value.get("timeZone")
    elif value.get("date"):
        day = dt.date.fromisoformat(value["date"])
        tz = ZoneInfo(value["timeZone"]) if value.get("timeZone") else dt.UTC
        return dt.datetime(day.year, day.month, day.day, tzinfo=tz)
    else:
        raise bad_request("Missing time: an EventDateTime needs dateTime or date.")
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(f"Invalid time value: {text!r}") from None
    if moment.tzinfo is None:
        if not zone:
            raise bad_request("Missing time zone definition for start time.")
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment


def _utc_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def occurrences(event: dict[str, Any], until: dt.datetime | None = None) -> Iterator[tuple]:
    """(start, end) of each occurrence; simple DAILY/WEEKLY RRULEs are expanded."""
    start, end = parse_time(event["start"]), parse_time(event["end"])
    rule = next(
        (r[6:] for r in event.get("recurrence") or [] if r.upper().startswith("RRULE:")), None
    )
    parts = dict(p.split("=", 1) for p in rule.upper().split(";") if "=" in p) if rule else {}
    if parts.get("FREQ") not in ("DAILY", "WEEKLY"):
        yield start, end
        return
    interval = int(parts.get("INTERVAL", "1"))
    count = int(parts["COUNT"]) if "COUNT" in parts else None
    last = None
    if "UNTIL" in parts:
        text = parts["UNTIL"].rstrip("Z")
        fmt = "%Y%m%dT%H%M%S" if "T" in text else "%Y%m%d"
        last = dt.datetime.strptime(text, fmt).replace(tzinfo=dt.UTC)
        if "T" not in text:
            last += dt.timedelta(days=1)
    days = [_WEEKDAYS[d[-2:]] for d in parts.get("BYDAY", "").split(",") if d[-2:] in _WEEKDAYS]
    duration = end - start
    produced = 0
    step = 0
    while produced < _MAX_OCCURRENCES:
        if parts["FREQ"] == "DAILY":
            candidates = [start + dt.timedelta(days=step * interval)]
        else:
            week_start = start + dt.timedelta(weeks=step * interval)
            monday = week_start - dt.timedelta(days=week_start.weekday())
            offsets = sorted(days) if days else [start.weekday()]
            candidates = [monday + dt.timedelta(days=d) for d in offsets]
        for moment in candidates:
            if moment < start:
                continue
            if (count is not None and produced >= count) or (last and moment >= last):
                return
            if until is not None and moment >= until:
                return
            yield moment, moment + duration
            produced += 1
        step += 1


class FakeCalendar:
    """Calendars created on first use; events stored per calendar."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._calendars: dict[str, _Calendar] = {}
        self._sequence = 0
        self._token_epoch = 0

    # ----------------------------------------------------------------- seeding and inspection

    def add_event(self, calendar_id: str, event: dict[str, Any]) -> dict[str, Any]:
        """Seed an event (same rules as events.insert); returns the stored event."""
        return self._insert(calendar_id, copy.deepcopy(event))

    def events(self, calendar_id: str, include_cancelled: bool = True) -> list[dict[str, Any]]:
        calendar = self._calendar(calendar_id)
        return [
            copy.deepcopy(e)
            for e in calendar.events.values()
            if include_cancelled or e["status"] != "cancelled"
        ]

    def undelete(self, calendar_id: str, event_id: str) -> None:
        """A person restores a deleted event from Calendar's Trash (the API cannot)."""
        calendar = self._calendar(calendar_id)
        event = calendar.events[event_id]
        event["status"] = "confirmed"
        self._touch(calendar, event)

    def expire_sync_tokens(self) -> None:
        """Every sync token issued so far now answers 410 (full sync required)."""
        self._token_epoch += 1

    # ------------------------------------------------------------------------------- internals

    def _calendar(self, calendar_id: str) -> _Calendar:
        return self._calendars.setdefault(calendar_id, _Calendar())

    def _touch(self, calendar: _Calendar, event: dict[str, Any]) -> None:
        self._sequence += 1
        calendar.changed_at[event["id"]] = self._sequence
        event["updated"] = now_rfc3339()
        event["etag"] = f'"{3_000_000_000_000_000 + self._sequence}"'

    def _check_times(self, event: dict[str, Any]) -> None:
        if not event.get("start"):
            raise bad_request("Missing start time.", location="start")
        if not event.get("end"):
            raise bad_request("Missing end time.", location="end")
        if parse_time(event["end"]) < parse_time(event["start"]):
            # Calendar's own domain (the Calendar errors guide's timeRangeEmpty body).
            raise GoogleError(
                400,
                "The specified time range is empty.",
                reason="timeRangeEmpty",
                domain="calendar",
            )

    def _insert(self, calendar_id: str, event: dict[str, Any]) -> dict[str, Any]:
        calendar = self._calendar(calendar_id)
        event_id = event.get("id")
        if event_id is None:
            event_id = random_id(self._rng, 26, "abcdefghijklmnopqrstuv0123456789")
        elif not _EVENT_ID.fullmatch(event_id):
            raise GoogleError(400, "Invalid resource id value.", reason="invalid")
        if event_id in calendar.events:
            raise GoogleError(409, "The requested identifier already exists.", reason="duplicate")
        self._check_times(event)
        now = now_rfc3339()
        stored = {
            "kind": "calendar#event",
            "id": event_id,
            "status": "confirmed",
            "htmlLink": f"https://www.google.com/calendar/event?eid={event_id}",
            "created": now,
            "creator": {"email": FAKE_USER},
            "organizer": {"email": calendar_id, "self": True},
            "iCalUID": f"{event_id}@google.com",
            "sequence": 0,
            "reminders": {"useDefault": True},
            "eventType": "default",
        }
        stored |= {k: v for k, v in event.items() if k not in _SERVER_FIELDS and v is not None}
        stored["id"] = event_id
        calendar.events[event_id] = stored
        self._touch(calendar, stored)
        return copy.deepcopy(stored)

    def _event(self, call: Call) -> tuple[_Calendar, dict[str, Any]]:
        calendar = self._calendar(call.path_params["calendarId"])
        event = calendar.events.get(call.path_params["eventId"])
        if event is None:
            raise GoogleError(404, "Not Found", reason="notFound")
        return calendar, event

    def _live_event(self, call: Call) -> tuple[_Calendar, dict[str, Any]]:
        """The event to change: a deleted one answers 403 (patch and update cannot restore
        it), as Google does."""
        calendar, event = self._event(call)
        if event["status"] == "cancelled":
            raise GoogleError(403, "Forbidden", reason="forbidden")
        return calendar, event

    # -------------------------------------------------------------------------------- handlers

    def handlers(self) -> dict[str, Callable[[Call], Reply]]:
        return {
            "calendar.events.insert": self._handle_insert,
            "calendar.events.get": self._handle_get,
            "calendar.events.list": self._handle_list,
            "calendar.events.patch": self._handle_patch,
            "calendar.events.update": self._handle_update,
            "calendar.events.delete": self._handle_delete,
            "calendar.freebusy.query": self._handle_freebusy,
        }

    def _handle_insert(self, call: Call) -> Reply:
        return Reply(self._insert(call.path_params["calendarId"], copy.deepcopy(call.body or {})))

    def _handle_get(self, call: Call) -> Reply:
        return Reply(copy.deepcopy(self._event(call)[1]))

    def _handle_patch(self, call: Call) -> Reply:
        calendar, event = self._live_event(call)
        patched = copy.deepcopy(event)
        _merge(patched, {k: v for k, v in (call.body or {}).items() if k not in _SERVER_FIELDS})
        self._check_times(patched)
        patched["sequence"] = event.get("sequence", 0) + 1
        event.clear()
        event.update(patched)
        self._touch(calendar, event)
        return Reply(copy.deepcopy(event))

    def _handle_update(self, call: Call) -> Reply:
        calendar, event = self._live_event(call)
        body = {k: v for k, v in (call.body or {}).items() if v is not None}
        self._check_times(body)
        kept = {k: event[k] for k in _SERVER_FIELDS if k in event}
        replaced = {"status": "confirmed", "reminders": {"useDefault": True}}
        replaced |= {k: v for k, v in body.items() if k not in _SERVER_FIELDS} | kept
        replaced["sequence"] = event.get("sequence", 0) + 1
        event.clear()
        event.update(replaced)
        self._touch(calendar, event)
        return Reply(copy.deepcopy(event))

    def _handle_delete(self, call: Call) -> Reply:
        calendar, event = self._event(call)
        if event["status"] == "cancelled":
            raise GoogleError(410, "Resource has been deleted", reason="deleted")
        event["status"] = "cancelled"
        self._touch(calendar, event)
        return Reply(None, status=204)

    def _handle_list(self, call: Call) -> Reply:
        calendar_id = call.path_params["calendarId"]
        calendar = self._calendar(calendar_id)
        page_token = call.param("pageToken")
        carried = decode_token(page_token) if page_token else {}
        private = call.params("privateExtendedProperty")
        shared = call.params("sharedExtendedProperty")
        since: int | None = None
        if call.param("syncToken"):
            conflicts = [name for name in _SYNC_CONFLICTS if call.query.get(name)]
            if conflicts:
                raise bad_request(
                    f"syncToken cannot be combined with {', '.join(conflicts)}.",
                    location="syncToken",
                )
            token = self._read_sync_token(call.param("syncToken") or "", calendar_id)
            since, private, shared = token["s"], token["p"], token["h"]
        elif carried.get("since") is not None:  # later pages of an incremental sync
            since, private, shared = carried["since"], carried["p"], carried["h"]
        if call.param("orderBy") == "startTime" and not call.flag("singleEvents"):
            raise bad_request("The requested ordering is not available for the particular query.")
        snapshot = carried.get("n", self._sequence)
        items = []
        for event_id, event in calendar.events.items():
            if since is not None:
                if calendar.changed_at[event_id] <= since:
                    continue  # incremental sync: only what changed, cancelled ones included
            elif event["status"] == "cancelled" and not call.flag("showDeleted"):
                continue
            if self._matches(event, call, private, shared):
                items.append(event)
        if call.flag("singleEvents") and any(e.get("recurrence") for e in items):
            raise GoogleError(501, "fake_google does not expand recurring events (singleEvents).")
        if call.param("orderBy") == "startTime":
            items.sort(key=lambda e: parse_time(e["start"]))
        elif call.param("orderBy") == "updated":
            items.sort(key=lambda e: e["updated"])
        page_size = min(call.integer("maxResults", 250), 2500)
        fingerprint = repr(
            sorted((k, v) for k, v in call.query.items() if k not in ("pageToken", "syncToken"))
        )
        page, next_page = paginate(items, page_token, page_size, fingerprint)
        body: dict[str, Any] = {
            "kind": "calendar#events",
            "etag": f'"p3{snapshot:015d}"',
            "summary": calendar_id,
            "description": "",
            "updated": now_rfc3339(),
            "timeZone": "UTC",
            "accessRole": "owner",
            "defaultReminders": [],
            "items": copy.deepcopy(page),
        }
        if next_page:
            # The page token carries the snapshot, so the sync token on the last page also
            # covers changes made while the client was paging.
            state = {"n": snapshot, "since": since, "p": private, "h": shared}
            body["nextPageToken"] = encode_token(decode_token(next_page) | state)
        else:
            body["nextSyncToken"] = encode_token(
                {
                    "kind": "sync",
                    "c": calendar_id,
                    "s": snapshot,
                    "e": self._token_epoch,
                    "p": private,
                    "h": shared,
                }
            )
        return Reply(body)

    def _read_sync_token(self, token: str, calendar_id: str) -> dict[str, Any]:
        try:
            payload = decode_token(token, "sync token")
        except GoogleError:
            payload = {}
        valid = (
            payload.get("kind") == "sync"
            and payload.get("c") == calendar_id
            and payload.get("e") == self._token_epoch
            and isinstance(payload.get("s"), int)
        )
        if not valid:
            raise GoogleError(
                410,
                "Sync token is no longer valid, a full sync is required.",
                reason="fullSyncRequired",
            )
        return payload

    @staticmethod
    def _matches(event: dict[str, Any], call: Call, private: list[str], shared: list[str]) -> bool:
        props = event.get("extendedProperties") or {}
        for wanted, scope in ((private, "private"), (shared, "shared")):
            for pair in wanted:
                key, _, value = pair.partition("=")
                if (props.get(scope) or {}).get(key) != value:
                    return False
        if call.param("iCalUID") and event.get("iCalUID") != call.param("iCalUID"):
            return False
        if call.param("updatedMin") and parse_time(event["updated"]) < parse_time(
            call.param("updatedMin") or ""
        ):
            return False
        text = (call.param("q") or "").lower()
        searchable = " ".join(str(event.get(k, "")) for k in ("summary", "description", "location"))
        if text and text not in searchable.lower():
            return False
        time_min, time_max = call.param("timeMin"), call.param("timeMax")
        if time_min or time_max:
            low = parse_time(time_min) if time_min else None
            high = parse_time(time_max) if time_max else None
            # An event matches when one occurrence ends after timeMin and starts before timeMax.
            return any(
                (low is None or end > low) and (high is None or start < high)
                for start, end in occurrences(event, until=high)
            )
        return True

    def _handle_freebusy(self, call: Call) -> Reply:
        body = call.body or {}
        if not body.get("timeMin") or not body.get("timeMax"):
            raise bad_request("Missing timeMin or timeMax.")
        low, high = parse_time(body["timeMin"]), parse_time(body["timeMax"])
        calendars = {}
        for item in body.get("items") or []:
            calendar = self._calendar(item.get("id", ""))
            intervals = []
            for event in calendar.events.values():
                if event["status"] == "cancelled" or event.get("transparency") == "transparent":
                    continue
                for start, end in occurrences(event, until=high):
                    if end > low and start < high:
                        intervals.append((max(start, low), min(end, high)))
            calendars[item.get("id", "")] = {
                "busy": [{"start": _utc_text(s), "end": _utc_text(e)} for s, e in _union(intervals)]
            }
        return Reply(
            {
                "kind": "calendar#freeBusy",
                "timeMin": _utc_text(low),
                "timeMax": _utc_text(high),
                "calendars": calendars,
            }
        )


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    """PATCH semantics: objects merge field by field, arrays and scalars replace."""
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        elif value is None:
            target.pop(key, None)
        else:
            target[key] = copy.deepcopy(value)


def _union(intervals: list[tuple[dt.datetime, dt.datetime]]) -> list[tuple]:
    merged: list[list[dt.datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]
