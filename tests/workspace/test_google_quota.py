"""Pacing against a real quota: the fake enforces Google's per-minute limit on a shared fake
clock, and tutorsync's transport keeps every 429 away from the job."""

from fake_google import FakeGoogle
from google.auth.credentials import AnonymousCredentials
from gspread.http_client import HTTPClient

from jobs.workspace.google.sheets import GoogleSpreadsheets
from jobs.workspace.google.transport import PacedSession


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_run_of_150_reads_under_a_60_per_minute_quota_never_sees_a_429():
    clock = FakeClock()
    with FakeGoogle(clock=clock) as fake:
        fake.faults.quota(60, bucket="sheets_read")
        spreadsheet = fake.sheets.create("Roster", {"Roster": [["Student ID"], ["00123"]]})
        session = PacedSession(
            AnonymousCredentials(),
            quotas={"sheets_read": 60, "sheets_write": 60},
            endpoint=fake.base_url,
            sleep=clock.sleep,
            clock=clock,
        )
        sheets = GoogleSpreadsheets(HTTPClient(AnonymousCredentials(), session), account="test")

        grids = [sheets.read_tabs(spreadsheet, ["Roster"]) for _ in range(150)]

        assert all(grid == {"Roster": [["Student ID"], ["00123"]]} for grid in grids)
        assert fake.quota_rejections == 0
        assert session.snapshot()["retries"] == {}
        assert 120 <= clock.now - 1000.0 <= 160  # paced to the quota, with no idle gaps
