"""A stateful fake of Google Sheets v4, Calendar v3 and Drive v3, served on 127.0.0.1.

The real gspread and googleapiclient clients talk to it; every request is validated against
the discovery documents bundled with google-api-python-client. See FakeGoogle::

    with FakeGoogle(seed=0) as fake:
        spreadsheet_id = fake.sheets.create("Gradebook", {"Roster": [["Name"], ["Ana"]]})
        gc = gspread.Client(auth=AnonymousCredentials(), session=fake.requests_session())
        calendar = fake.build("calendar")  # build(..., client_options={"api_endpoint": ...})
        ...
        assert fake.rejections == []

Modules: discovery (routing and validation), fieldmask, a1, sheets_values, fake_sheets,
fake_calendar, fake_drive (+ drive_query), fake_auth (the token endpoint: deleted keys,
unknown delegated users, delegation not granted), faults (with `refuse` for an exact Google
error, such as errors.storage_quota_exceeded()), server. Where Google's documentation leaves
room, the choices, and what is not modelled, are written at the top of fake_calendar.py,
fake_drive.py and fake_auth.py and on the FakeSheets helpers; a request kind or method the fake
does not implement answers 501 and is listed in `rejections`, so it can never pass silently.
"""

from .common import Call, Reply
from .errors import GoogleError
from .fake_auth import FakeAuth
from .fake_calendar import FakeCalendar
from .fake_drive import FOLDER, SPREADSHEET, FakeDrive
from .fake_sheets import BATCH_UPDATE_KINDS, FakeSheets
from .faults import Faults
from .server import FakeGoogle, GoogleHostsAdapter, RecordedRequest
from .sheets_values import Formula

__all__ = [
    "BATCH_UPDATE_KINDS",
    "FOLDER",
    "SPREADSHEET",
    "Call",
    "FakeAuth",
    "FakeCalendar",
    "FakeDrive",
    "FakeGoogle",
    "FakeSheets",
    "Faults",
    "Formula",
    "GoogleError",
    "GoogleHostsAdapter",
    "RecordedRequest",
    "Reply",
]
