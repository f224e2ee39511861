"""The adapter contract suites on a sandbox Google account: `pytest tests/live`.

With `TUTORSYNC_LIVE_CONFIG` naming a live config (live_sandbox.py, docs/live.example.toml),
test_live_*.py import the contract modules' tests, and the harnesses they take are the
sandbox's (live_harnesses.py); each module may name tests that cannot run on a real account
(`SKIPPED_ON_LIVE`, with why). Without it, each module holds one test, skipped saying how to
run them. Like the end-to-end tests, all of them are slow: `make check` leaves them out.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from live_harnesses import calendar_harness as make_calendar_harness
from live_harnesses import drive_harness as make_drive_harness
from live_harnesses import sheets_harness
from live_sandbox import EXAMPLE, LIVE_CONFIG, NOT_CONFIGURED, Place, Sandbox, read_live_config
from workspace.harnesses import CalendarHarness, DriveHarness, Harness, Seed

from jobs.errors import TutorsyncError
from jobs.workspace.port import Workspace

HERE = Path(__file__).parent
_SANDBOX = pytest.StashKey[Sandbox]()


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by mark
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every live test is slow, and those a module names in SKIPPED_ON_LIVE are skipped. The
    hook sees the whole session's tests, so it marks only those under tests/live/."""
    for item in items:
        if not item.path.is_relative_to(HERE):
            continue
        item.add_marker(pytest.mark.slow)
        skipped = getattr(getattr(item, "module", None), "SKIPPED_ON_LIVE", {})
        reason = skipped.get(getattr(item, "originalname", item.name))
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """What the run made in the sandbox, and whether it cleared all of it away."""
    sandbox = config.stash.get(_SANDBOX, None)
    if sandbox is None:
        return
    terminalreporter.write_sep("-", "tutorsync live")
    for line in sandbox.report():
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """The sandbox account for the run; its folder goes to Drive's trash at the end."""
    reference = os.environ.get(LIVE_CONFIG, "")
    if not reference:
        pytest.skip(NOT_CONFIGURED)
    try:
        opened = Sandbox(read_live_config(Path(reference)))
        opened.open()
    except TutorsyncError as error:  # stop the run: no test can use the account
        pytest.exit(
            f"{LIVE_CONFIG}={reference}: {error} (see {EXAMPLE})",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )
    request.config.stash[_SANDBOX] = opened
    yield opened
    leftovers = opened.close()
    assert not leftovers, "\n".join(["left behind in the sandbox:", *leftovers])


@pytest.fixture
def place(sandbox: Sandbox, request: pytest.FixtureRequest) -> Iterator[Place]:
    """Where the test makes things; cleared away when it ends."""
    made = sandbox.place(request.node.name)
    yield made
    leftovers = made.close()
    assert not leftovers, "\n".join(["left behind in the sandbox:", *leftovers])


@pytest.fixture
def harness(sandbox: Sandbox, place: Place) -> Harness:
    return sheets_harness(sandbox, place)


@pytest.fixture
def workspace(harness: Harness) -> Workspace:
    return harness.workspace


@pytest.fixture
def seed(harness: Harness) -> Seed:
    return harness.seed


@pytest.fixture
def new_reference(harness: Harness) -> Callable[[str], str]:
    return harness.new_reference


@pytest.fixture
def calendar_harness(sandbox: Sandbox, place: Place) -> CalendarHarness:
    if sandbox.config.calendar is None:
        pytest.skip(f"{sandbox.config.path} names no [live] calendar, the scratch calendar")
    return make_calendar_harness(sandbox, place)


@pytest.fixture
def drive_harness(sandbox: Sandbox, place: Place, request: pytest.FixtureRequest) -> DriveHarness:
    """Most Drive contract tests share folders with the contract's fictional people at
    school.example; where Google refuses that (a probe share, once a run), they are skipped
    with Google's answer. Those a module names in SHARES_NOTHING run anyway."""
    shares_nothing = getattr(request.module, "SHARES_NOTHING", frozenset())
    refusal = sandbox.sharing_refusal
    if refusal and request.node.originalname not in shares_nothing:
        pytest.skip(
            f"Google refused to share a folder with a fictional address at school.example "
            f"({refusal}): this Drive contract test shares folders with the contract's "
            "fictional people, so it cannot run on this account"
        )
    return make_drive_harness(sandbox, place)
