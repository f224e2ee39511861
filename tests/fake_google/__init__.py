"""A stateful fake of Google Sheets v4, Calendar v3 and Drive v3, served on 127.0.0.1.

The real gspread and googleapiclient clients talk to it; every request is validated against
the discovery documents bundled with google-api-python-client. See FakeGoogle::

    with FakeGoogle(seed=0) as fake:
        spreadsheet_id = fake.sheets.create("Gradebook", {"Roster": [["Name"], ["Ana"]]})
        gc = gspread.Client(auth=AnonymousCredentials(), session=fake.requests_session())
        calendar = fake.build("calendar")  # build(..., client_options={"api_endpoint": ...})
        ...
        assert fake.rejections == []

Every request is signed in: the fake reads its Authorization header (fake_auth.py: the JWTs
the tests' keys sign themselves, the tokens its token endpoint issued, `auth.sign_in_user` for
a coordinator's sign-in) and refuses, as Google does, an unknown token (401), a token without
any scope the method's discovery document lists (403 ACCESS_TOKEN_SCOPE_INSUFFICIENT), and, to
a drive.file token, every file its app did not make (404; scopes.py, fake_drive.py). A request
without credentials (AnonymousCredentials, as `build` and `requests_session` make) is the
test's own hand, reaching everything; Google would answer it 401.

Modules: discovery (routing and validation), scopes (which token may call which method),
fieldmask, a1, sheets_values, fake_sheets, fake_calendar, fake_drive (+ drive_query),
fake_auth (the token endpoint: deleted keys, unknown delegated users, delegation not granted;
who each request comes from), faults (with `refuse` for an exact Google error, such as
errors.storage_quota_exceeded()), server. Where Google's documentation leaves room, the
choices, and what is not modelled, are written at the top of fake_calendar.py, fake_drive.py,
fake_auth.py and scopes.py and on the FakeSheets helpers; a request kind or method the fake
does not implement answers 501 and is listed in `rejections`, so it can never pass silently.

test_conformance.py replays requests whose real answers were recorded (gspread's cassettes) or
quoted in public issues and Google's error guides, and compares shapes; each case names its
source. Still not modelled, or not checked against any recording:
- Sheets: a protected range read back does not list the caller in editors.users (Google does;
  gspread cassette WorksheetTest.test_add_protected_range_normal). Only a basic filter's range
  is stored with explicit bounds; other GridRanges are echoed as given (no recording).
- Sheets: USER_ENTERED text that looks like a date ("2020-01-01") stays text, where Google
  stores a date serial with a date format; formulas are not evaluated (=4/2 keeps its seeded
  value) (gspread cassette WorksheetTest.test_get_all_records_value_render_options).
- Sheets error text: an unknown field's path is camelCase ('requests[0].updateSheetProperties')
  where Google writes proto names ('requests[0].update_sheet_properties',
  theoephraim/node-google-spreadsheet#523), and the fake appends "(field path: ...)". A 429 from
  `faults.fail` or chaos carries an ErrorInfo without the quota's metadata (only
  `faults.quota` names the quota); Google may add a google.rpc.Help link.
- Sheets charts (no recording): the spec is stored as given, without the defaults Google
  fills in (fonts, hiddenDimensionStrategy, axis formats); a grid shrunk by
  updateSheetProperties neither moves a chart's anchor nor trims its ranges, and a chart
  whose data was on a deleted sheet is left as it was (Google shows #REF!). Images, slicers
  and charts on their own sheet are not modelled.
- Drive and Calendar errors always carry `status`; application errors recorded in 2019-2022
  (Drive notFound: googleapis/google-api-php-client#1782; Calendar notFound:
  spatie/laravel-google-calendar#216) had none, scope errors have it. Left as is.
- Calendar: organizer.email of an event on "primary" is the word "primary" and events.list's
  summary is the calendar ID as given (Google answers the account's address); creator.email
  is a fixed address. freebusy.query answers busy [] for every calendar ID, never the
  per-calendar errors [{domain global, reason notFound}] Google gives for one it cannot read.
  A list or free/busy query whose timeMax is before timeMin is not refused (the Calendar
  errors guide's timeRangeEmpty names the timeMax parameter).
- Drive: the number of custom properties is not limited (Google: 30 public per file from all
  apps, 30 private per app; the 124 bytes of a key and value are enforced); who may reach a file
  follows drive.file and `sheets.forbid` only, not its permissions; a folder moved to the trash
  does not make its descendants `trashed` as Drive does; files.list is never behind the writes
  before it (Drive's search index may lag); in a shared drive anyone may delete. A generated ID
  whose file was deleted for ever is taken again by files.create and files.copy (no recording
  says whether Drive does; tutorsync's recorded copy IDs are safe either way: a copy deleted for
  ever before a run saw it in the trash is made again at most once).
- Auth: a JWT's iat/exp and a token's expiry are not checked against the clock; tokens are
  never revoked; the narrower Calendar scopes reach every calendar (fake_google/scopes.py).
- No recording was found for the replies of updateCells, repeatCell, setDataValidation,
  add/deleteConditionalFormatRule, createDeveloperMetadata, add/deleteFilterView, addChart,
  deleteEmbeddedObject and autoResizeDimensions, nor for Drive files.list with items,
  files.update, files.generateIds, permissions.*, or Calendar's success bodies: those follow
  the discovery documents only.
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
