"""The Calendar port: the check-in events tutorsync keeps, and free/busy to place them.

An event is identified for ever by its `key` (stored on the event: extendedProperties.private
on Google, X-TUTORSYNC-KEY in an .ics file); its `event_id` is derived from the key, so an
insert retried after a lost reply, or by a run after a crash, names the same event.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

KEY_PROPERTY = "tutorsync-key"  # the event's key
PROGRAM_PROPERTY = "tutorsync-program"  # the program's key: one filtered listing finds ours
SCHEDULE_PROPERTY = "tutorsync-schedule"  # fingerprint of the schedule settings that placed it


def event_id(key: str) -> str:
    """Google's rule for client-chosen ids: base32hex (a-v, 0-9), 5 to 1024 characters."""
    digest = hashlib.sha1(key.encode("utf-8")).digest()
    return base64.b32hexencode(digest).decode("ascii").lower().rstrip("=")


@dataclass(frozen=True)
class CalendarEvent:
    """A check-in as tutorsync wants it (or finds it). Times are timezone-aware; recurrence
    lines are RFC 5545 (RRULE:..., EXDATE;TZID=...:...), written in the event's timezone."""

    key: str
    summary: str
    description: str
    start: datetime
    end: datetime
    timezone: str  # IANA name, e.g. "America/Chicago"
    recurrence: tuple[str, ...] = ()
    attendees: tuple[str, ...] = ()  # e-mails, sorted, lower case
    schedule: str = ""  # SCHEDULE_PROPERTY: which settings placed it

    @property
    def event_id(self) -> str:
        return event_id(self.key)


@dataclass(frozen=True)
class Busy:
    start: datetime
    end: datetime


# (student ID, teacher e-mail) -> the start and event of the pair's next check-in about the
# student: what the check-ins job hands the progress tabs.
NextCheckins = Mapping[tuple[str, str], tuple[datetime, CalendarEvent]]
