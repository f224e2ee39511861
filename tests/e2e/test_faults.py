"""Nothing lost, duplicated or leaked when Google misbehaves: `tutorsync run` on the fake Google
server under faults on every API (rate limits, server errors, dropped connections, timeouts,
writes that land and then fail, a run killed after k writes, two machines interleaving).

Each test compares what the runs leave with the state a fault-free twin of the same program
reaches (`bench.soak.end_state`: IDs replaced by what they name), and looks for duplicates.
"""

from __future__ import annotations

import random
import shutil
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fake_google import FakeGoogle
from fake_google.faults import KINDS

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # bench is a package at the repository's root
    sys.path.insert(0, str(ROOT))

from bench.soak import (  # noqa: E402
    CLIENT_TIMEOUT_SECONDS,
    HOLD_SECONDS,
    Educators,
    Outcome,
    Site,
    duplicates,
    end_state,
    lost_cells,
    names_a_resource,
    new_program,
    no_waiting,
    open_site,
    run_tutorsync,
    state_differences,
    wrong_grants,
)
from jobs.settings import load  # noqa: E402
from jobs.workspace.google.calendar import GoogleCalendar  # noqa: E402
from jobs.workspace.google.drive import GoogleDrive  # noqa: E402
from jobs.workspace.google.sheets import GoogleSpreadsheets  # noqa: E402

STUDENTS = 12  # the smallest demo: every kind of write, runs of a fraction of a second
TIMEOUT_SECONDS = CLIENT_TIMEOUT_SECONDS  # the client's timeout on faulted sites: 0.3 s

# Every kind of write tutorsync makes, as Google names it, with the run that makes it: the
# first (everything created) or the one after educators' edits (`edit`).
WRITES = (
    ("sheets.spreadsheets.batchUpdate", "first run"),
    ("sheets.spreadsheets.batchUpdate", "after edits"),  # rewrites tabs that exist
    ("calendar.events.insert", "first run"),
    ("calendar.events.patch", "after edits"),
    ("drive.files.create", "first run"),
    ("drive.files.copy", "first run"),
    ("drive.files.update", "after edits"),  # moves, records of grants
    ("drive.permissions.create", "first run"),
    ("drive.permissions.update", "after edits"),
    ("drive.permissions.delete", "after edits"),
)


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch) -> Iterator[None]:
    """Retries without waiting: time.sleep is a no-op, and so are the retry layer's waits
    (it binds time.sleep when imported)."""
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    with no_waiting():
        yield


@pytest.fixture(scope="session")
def program(tmp_path_factory) -> Path:
    return new_program(tmp_path_factory.mktemp("faults") / "program", STUDENTS)


def edit(sites: list[Site]) -> Educators:
    """What educators change between the first run and the second, the same on every site:
    a tutor reassigned, a student leaving, notes typed by a teacher and the coordinator, and
    a grant's role changed by hand. Together they make every kind of write happen again."""
    educators = Educators(random.Random(0), sites)
    students = educators.active_students()
    current = roster_cell(sites[0], students[0], "Tutor Email")
    educators.reassign(students[0], next(t for t in educators.tutors if t != current))
    educators.set_roster(students[1], "Active", "Left")
    settings = sites[0].settings
    summary = f"tutorsync:{settings.program.key}:summary"
    educators.type_note(settings.outputs.coordinator_spreadsheet, summary, "Coordinator notes")
    for reference, key in educators.teacher_tabs():
        educators.type_note(reference, key, "Note to tutor")
    for site in sites:  # the coordinator's grant on one folder lowered to reader by hand
        folder = next(
            f
            for f in site.fake.drive.files()
            if (f.get("properties") or {}).get("tutorsync-student") == students[2]
        )
        site.fake.drive.add_permission(folder["id"], settings.folders.coordinators[0], "reader")
    return educators


def roster_cell(site: Site, student_id: str, header: str) -> Any:
    source = site.settings.sources.roster
    grid = site.fake.sheets.values(site.sheet(source.spreadsheet), source.tab)
    row = next(r for r in grid[1:] if str(r[0]) == student_id)
    return row[grid[0].index(header)]


@dataclass
class Reference:
    """What a fault-free twin reaches: after the first run, and after the edits and a run."""

    first: dict[str, Any]
    edited: dict[str, Any]
    writes_first: int  # writes (batch parts one by one) of the first run
    writes_edited: int  # writes of the run after the edits


@pytest.fixture(scope="session")
def reference(program, tmp_path_factory, private_key_pem) -> Reference:
    folder = tmp_path_factory.mktemp("twin")
    with FakeGoogle() as fake, no_waiting():  # not patched beyond this block: session-wide
        twin = open_site(fake, program, folder / "twin", private_key_pem)
        assert run_tutorsync(twin).ok
        first, writes_first = end_state(twin), fake.faults.writes_applied
        edit([twin])
        assert run_tutorsync(twin).ok
        edited = end_state(twin)
        assert not fake.invalid_requests
        return Reference(first, edited, writes_first, fake.faults.writes_applied - writes_first)


@pytest.fixture
def site(program, tmp_path, fake_google, private_key_pem) -> Site:
    """The program on the test's fake, with a tiny timeout so timeouts cost little."""
    fake_google.faults.hold_seconds = HOLD_SECONDS  # past the client's timeout
    return open_site(
        fake_google, program, tmp_path / "site", private_key_pem, timeout_seconds=TIMEOUT_SECONDS
    )


def assert_converged(site: Site, state: dict[str, Any]) -> None:
    """The site holds the fault-free state, without duplicates or wrong grants."""
    assert state_differences(end_state(site), state) == []
    assert duplicates(site) == []
    assert wrong_grants(site, exact=True) == []


def assert_ok_or_failed_cleanly(site: Site, outcome: Outcome, state: dict[str, Any]) -> None:
    """A run under faults either succeeded with the fault-free state, or exited 1 naming what
    it could not do, without saying ok."""
    assert not outcome.crash, outcome.crash
    if outcome.ok:
        assert state_differences(end_state(site), state) == []
    else:
        assert outcome.exit_code == 1, outcome.error
        assert outcome.report is None or outcome.report["ok"] is False
        assert names_a_resource(site, outcome.failures()), outcome.failures()
    assert duplicates(site) == []
    assert wrong_grants(site, exact=outcome.ok) == []


# --- Random faults on every API ----------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_random_faults_on_every_api_end_ok_with_the_fault_free_state_or_fail_naming_what(
    site, reference, seed
):
    site.fake.faults.chaos(0.2, kinds=KINDS, seed=seed)
    outcome = run_tutorsync(site)
    assert sum(site.fake.faults.injected.values()) > 0
    assert_ok_or_failed_cleanly(site, outcome, reference.first)

    site.fake.faults.clear()
    assert run_tutorsync(site).ok
    assert_converged(site, reference.first)


def test_random_faults_after_educators_edit_keep_their_notes(site, reference):
    assert run_tutorsync(site).ok
    educators = edit([site])
    site.fake.faults.chaos(0.2, kinds=KINDS)
    outcome = run_tutorsync(site)
    assert_ok_or_failed_cleanly(site, outcome, reference.edited)
    assert lost_cells(site, educators.notes, placed=outcome.ok) == []

    site.fake.faults.clear()
    assert run_tutorsync(site).ok
    assert_converged(site, reference.edited)
    assert lost_cells(site, educators.notes, placed=True) == []


def test_rate_limited_batch_parts_are_sent_again_while_the_others_succeed(site, reference):
    # Calendar and Drive writes travel in batches: some parts answer 429, 503 or a rate-limit
    # 403 on their own while the others succeed.
    for method in ("calendar.events", "drive.files", "drive.permissions"):
        site.fake.faults.chaos(0.15, kinds=("429", "503", "403 rate"), method=method)
    outcome = run_tutorsync(site)
    parts = [r for r in site.fake.requests if r.in_batch and r.status in (429, 503, 403)]
    assert parts and outcome.ok
    assert_converged(site, reference.first)


# --- Reads that fail after every retry ---------------------------------------------------------


def banda_gradebook(site: Site) -> str:
    """The one source read on its own (values.batchGet) after the roster: the CSV gradebook."""
    [book] = [b for b in site.settings.sources.gradebooks if "banda" in b.teacher]
    return site.sheet(book.spreadsheet)


@pytest.mark.parametrize("status", [503, 429])
def test_a_source_google_cannot_serve_stops_the_run_before_any_write(site, status):
    # Not a data issue the run goes past: its figures would leave the gradebook out and the
    # run would say ok (the partial-data failure connectors are known for).
    site.fake.faults.fail(status, method="sheets.spreadsheets.values.batchGet", nth=2, times=6)
    outcome = run_tutorsync(site)
    assert outcome.exit_code == 1 and not outcome.crash
    [failure] = outcome.failures()
    assert banda_gradebook(site) in failure and "run again later" in failure
    assert "nothing was written" in failure
    assert site.fake.faults.writes_applied == 0

    site.fake.faults.clear()
    assert run_tutorsync(site).ok


def test_a_source_nobody_shared_stops_the_figures_and_is_named(site):
    assert run_tutorsync(site).ok
    before = end_state(site)
    site.fake.sheets.forbid(banda_gradebook(site))
    outcome = run_tutorsync(site)
    assert outcome.exit_code == 1 and not outcome.crash
    named = [f for f in outcome.failures() if banda_gradebook(site) in f]
    assert named and all("no figures were written" in f or "left as they are" in f for f in named)
    [progress] = [job for job in outcome.report["jobs"] if job["job"] == "progress"]
    assert any(banda_gradebook(site) in issue["spreadsheet"] for issue in progress["issues"])
    # Fail closed: the figures of the last good run stay, not ones that pretend it empty.
    after = end_state(site)
    assert _figures(after) == _figures(before)
    assert after["series"] == before["series"]


def _figures(state: dict[str, Any]) -> dict[str, Any]:
    return {key: tab for key, tab in state["tabs"].items() if not key.endswith(":data-issues")}


def test_a_rate_limit_403_that_outlasts_the_retries_says_busy_not_share_it(site):
    site.fake.faults.fail(
        403, reason="rateLimitExceeded", method="sheets.spreadsheets.values.batchGet", times=6
    )
    outcome = run_tutorsync(site)
    [failure] = outcome.failures()
    assert "busy or over quota" in failure and "share it" not in failure


# --- Writes that land, then fail ----------------------------------------------------------------


@pytest.mark.parametrize(("method", "stage"), WRITES)
def test_a_write_applied_then_answered_503_dropped_or_timed_out_is_never_duplicated(
    site, reference, method, stage
):
    educators = None
    if stage == "after edits":
        assert run_tutorsync(site).ok
        educators = edit([site])
    state = reference.first if stage == "first run" else reference.edited
    for how in ("503", "dropped", "timeout"):  # the next such write, then the one after...
        site.fake.faults.fail_after_apply(method, how=how)

    outcome = run_tutorsync(site)

    assert_ok_or_failed_cleanly(site, outcome, state)
    # Each landed and lost its answer (the retries of the first write, or later writes).
    assert set(site.fake.faults.injected) == {"applied+503", "applied+dropped", "applied+timeout"}
    site.fake.faults.clear()
    assert run_tutorsync(site).ok
    assert_converged(site, state)
    if educators is not None:
        assert lost_cells(site, educators.notes, placed=True) == []


# --- A run killed after k of its n writes -----------------------------------------------------


def cut_offs(n: int) -> list[int]:
    """Where to cut a run of n writes: the ends and points between."""
    return sorted({0, 1, 2, n // 5, n // 3, n // 2, 2 * n // 3, 4 * n // 5, n - 2, n - 1})


@pytest.mark.parametrize("part", [0, 1, 2])
@pytest.mark.parametrize("stage", ["first run", "after edits"])
def test_a_run_killed_after_k_of_n_writes_converges_on_the_next_without_duplicates(
    program, tmp_path, private_key_pem, reference, stage, part
):
    """Killed (every request after the k-th write refused as forbidden, or its connection
    dropped until the client gives up), then run again: for k over the whole run."""
    n = reference.writes_first if stage == "first run" else reference.writes_edited
    state = reference.first if stage == "first run" else reference.edited
    for index, k in enumerate(cut_offs(n)):
        if index % 3 != part:
            continue
        with FakeGoogle() as fake:
            site = open_site(fake, program, tmp_path / f"{k}", private_key_pem)
            if stage == "after edits":
                assert run_tutorsync(site).ok
                educators = edit([site])
            fake.faults.stop_after_writes(k, how=("forbidden", "dropped")[index % 2])
            killed = run_tutorsync(site)
            assert not killed.ok and not killed.crash, (k, killed.error)
            assert duplicates(site) == [], k
            fake.faults.clear()
            assert run_tutorsync(site).ok, k
            assert_converged(site, state)
            if stage == "after edits":
                assert lost_cells(site, educators.notes, placed=True) == []
            assert not fake.invalid_requests


# --- Two machines ------------------------------------------------------------------------------


WRITERS: dict[str, tuple[type, str]] = {
    "folders": (GoogleDrive, "begin_apply"),
    "check-ins": (GoogleCalendar, "upsert"),
    "progress tabs": (GoogleSpreadsheets, "write_owned_tabs"),
}


@pytest.mark.parametrize("stage", ["first run", "after edits"])
@pytest.mark.parametrize(
    "paused_before",
    ["folders", "check-ins", "progress tabs"],
)
def test_two_machines_interleaving_converge_without_duplicates_after_one_more_run(
    site, reference, monkeypatch, tmp_path, paused_before, stage
):
    """Machine A reads and plans; machine B runs the same program from start to end; then A
    writes what it planned. One more run leaves the fault-free state, nothing twice."""
    # Another machine: the same program, its own copy of the config (so not the same lock).
    other = tmp_path / "machine-b"
    other.mkdir()
    shutil.copy(site.config, other / "google.toml")
    machine_b = Site(site.fake, other / "google.toml", load(other / "google.toml"))
    if stage == "after edits":
        assert run_tutorsync(site).ok
        educators = edit([site])
    state = reference.first if stage == "first run" else reference.edited

    adapter, name = WRITERS[paused_before]
    write = getattr(adapter, name)
    machine_b_ran: dict[str, Outcome] = {}
    started = []

    def machine_b_first(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not started:  # B's own writes, inside this call, go straight through
            started.append(True)
            machine_b_ran["outcome"] = run_tutorsync(machine_b)
        return write(self, *args, **kwargs)

    monkeypatch.setattr(adapter, name, machine_b_first)
    machine_a = run_tutorsync(site)
    monkeypatch.setattr(adapter, name, write)
    assert machine_b_ran["outcome"].ok, machine_b_ran
    assert not machine_a.crash, machine_a.crash

    assert run_tutorsync(site).ok
    assert_converged(site, state)
    if stage == "after edits":
        assert lost_cells(site, educators.notes, placed=True) == []


# --- Drive in the background ---------------------------------------------------------------


def test_drive_works_on_while_check_ins_and_progress_write_and_they_link_its_new_folders(
    site, reference, monkeypatch
):
    """Drive has its own quota: the folders' changes go on while the progress tabs are
    written, which link to folders not yet made, and the end state is the fault-free one."""
    progress_wrote = threading.Event()
    drive_waited: list[bool] = []
    write_tabs, copy = GoogleSpreadsheets.write_owned_tabs, GoogleDrive._send

    def write_then_say(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = write_tabs(self, *args, **kwargs)
        progress_wrote.set()
        return result

    def send_copies_after_progress(self: Any, calls: Any, what: str) -> Any:
        if what == "template copies":  # made only once progress has written (or 20 s)
            drive_waited.append(progress_wrote.wait(timeout=20))
        return copy(self, calls, what)

    monkeypatch.setattr(GoogleSpreadsheets, "write_owned_tabs", write_then_say)
    monkeypatch.setattr(GoogleDrive, "_send", send_copies_after_progress)

    assert run_tutorsync(site).ok

    assert drive_waited and all(drive_waited)  # one after another, the waits would time out
    assert_converged(site, reference.first)


# --- The fake's faults themselves --------------------------------------------------------------


def test_a_timeout_holds_the_request_past_the_clients_timeout_and_is_retried(site):
    site.fake.faults.chaos(1.0, kinds=["timeout"], method="calendar.events.list")
    outcome = run_tutorsync(site)
    assert site.fake.faults.injected == {"timeout": 6}  # every attempt, then the job gives up
    assert outcome.exit_code == 1 and outcome.report is not None
    [failure] = outcome.failures()
    assert "ReadTimeout" in failure and names_a_resource(site, [failure])
    assert [job["job"] for job in outcome.report["jobs"] if job["ok"]] == ["folders", "progress"]


@pytest.mark.parametrize("kind", ["dropped", "503"])
def test_drive_batches_lost_every_time_fail_naming_the_folders_root(site, kind):
    site.fake.faults.chaos(1.0, kinds=[kind], method="drive.batch")
    outcome = run_tutorsync(site)
    failures = outcome.failures()
    assert outcome.exit_code == 1 and outcome.report["ok"] is False
    # The first batch reads the root and the templates: lost, the folders cannot be read, so
    # nothing is written, and each job says why.
    assert len(failures) == 3
    for failure in failures:
        assert f"folders.root {site.settings.folders.root}" in failure, failure
        assert "run again" in failure


def test_a_cut_off_refuses_everything_after_the_kth_write(site):
    site.fake.faults.stop_after_writes(3, how="forbidden")
    run_tutorsync(site)
    assert site.fake.faults.writes_applied == 3
    answered = [  # batch requests answer 200 around their refused parts
        r for r in site.fake.requests if r.method_id not in ("oauth2.token", "drive.batch")
    ]
    # In the order the fake decided them: Drive's thread and the main one overlap.
    statuses = [r.status for r in sorted(answered, key=lambda r: r.decided)]
    first_refused = statuses.index(403)
    assert all(status == 403 for status in statuses[first_refused:])
