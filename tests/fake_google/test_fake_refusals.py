"""Refusals injected with `faults.refuse` reach the real client with Google's exact body."""

import json

import pytest
from googleapiclient.errors import HttpError

from fake_google import FakeGoogle
from fake_google.errors import (
    CALENDAR_USAGE_LIMITS,
    NO_STORAGE_QUOTA,
    calendar_usage_limits_exceeded,
    storage_quota_exceeded,
)


def test_a_service_account_create_can_be_refused_as_drive_refuses_it(fake_google: FakeGoogle):
    fake_google.faults.refuse(storage_quota_exceeded(), method="drive.files.create", rate=1)
    drive = fake_google.build("drive")

    for _ in range(2):  # a refusal that lasts
        with pytest.raises(HttpError) as raised:
            drive.files().create(body={"name": "Notes"}).execute()
        assert raised.value.status_code == 403
        assert json.loads(raised.value.content)["error"]["errors"] == [
            {"message": NO_STORAGE_QUOTA, "domain": "usageLimits", "reason": "storageQuotaExceeded"}
        ]
    assert fake_google.faults.injected == {"403 storageQuotaExceeded": 2}
    assert fake_google.drive.files() == []  # nothing was made
    drive.files().list().execute()  # reads are not refused


def test_calendar_usage_limits_carry_googles_words(fake_google: FakeGoogle):
    fake_google.faults.refuse(calendar_usage_limits_exceeded(), method="calendar.events.insert")
    calendar = fake_google.build("calendar")

    event = {
        "summary": "Check-in",
        "start": {"dateTime": "2026-11-23T10:00:00Z"},
        "end": {"dateTime": "2026-11-23T10:30:00Z"},
    }

    with pytest.raises(HttpError) as raised:
        calendar.events().insert(calendarId="primary", body=event).execute()

    error = json.loads(raised.value.content)["error"]
    assert error["code"] == 403 and error["message"] == CALENDAR_USAGE_LIMITS
    assert error["errors"][0]["reason"] == "quotaExceeded"
    assert error["errors"][0]["domain"] == "usageLimits"
