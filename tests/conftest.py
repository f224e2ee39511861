"""Suite-wide settings and the fixtures that put tutorsync on the fake Google server."""

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_google import FakeGoogle
from fake_google.programs import new_private_key, workspace_settings, write_service_account_key
from hypothesis import settings

# In CI, property tests replay the same examples every run, so a landing is not decided by
# which random inputs came up; locally they explore new inputs each run.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def pytest_configure(config: pytest.Config) -> None:
    """Google programs' run locks go to $XDG_RUNTIME_DIR: one folder for this test run (and
    the processes it starts), removed at its end, instead of a thousand lock files left in
    the machine's own runtime or temp folder."""
    config.stash[_RUNTIME_DIR] = os.environ.get("XDG_RUNTIME_DIR")
    os.environ["XDG_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="tutorsync-tests-")


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(os.environ["XDG_RUNTIME_DIR"], ignore_errors=True)
    before = config.stash.get(_RUNTIME_DIR, None)
    if before is None:
        os.environ.pop("XDG_RUNTIME_DIR", None)
    else:
        os.environ["XDG_RUNTIME_DIR"] = before


_RUNTIME_DIR = pytest.StashKey[str | None]()


@pytest.fixture(scope="session")
def private_key_pem() -> str:
    """One throwaway key for the whole test run."""
    return new_private_key()


@pytest.fixture
def fake_google() -> Iterator[FakeGoogle]:
    """A fresh fake of Google's APIs; the test fails if tutorsync sent any request Google
    would reject whatever the state (unknown method, parameter or field)."""
    with FakeGoogle() as fake:
        yield fake
        assert not fake.invalid_requests, fake.invalid_requests


@pytest.fixture
def google_key_file(tmp_path: Path, fake_google: FakeGoogle, private_key_pem: str) -> Path:
    return write_service_account_key(
        fake_google, tmp_path / "service-account.json", private_key_pem
    )


@pytest.fixture
def google_workspace_settings(fake_google: FakeGoogle, google_key_file: Path) -> dict:
    """The [workspace] section of a config that runs on the fake, unpaced (tests of pacing
    set their own quotas)."""
    return workspace_settings(fake_google, google_key_file)
