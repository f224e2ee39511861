import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from jobs.cli import cli
from jobs.demo import create_demo

TODAY = date(2026, 11, 23)
HERE = Path(__file__).parent


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by mark
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every end-to-end test is slow: `make check` leaves them out, `make test` runs them.
    The hook sees the whole session's tests, so it marks only those under tests/e2e/."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """One generated demo program; tests copy it so each starts from pristine sources."""
    folder = tmp_path_factory.mktemp("demo-template")
    create_demo(folder, today=TODAY, students=60)
    return folder


@pytest.fixture
def demo(tmp_path, demo_template) -> Path:
    import shutil

    folder = tmp_path / "demo"
    shutil.copytree(demo_template, folder)
    return folder


class Tutorsync:
    def __init__(self, config: Path):
        self.config = config

    def __call__(self, *args: str, expect: int | None = 0):
        result = CliRunner().invoke(
            cli, [*args[:1], "--config", str(self.config), "--as-of", TODAY.isoformat(), *args[1:]]
        )
        if expect is not None:
            assert result.exit_code == expect, result.output + repr(result.exception)
        return result

    def json(self, *args: str, expect: int | None = 0) -> dict:
        """The report of the command's one job (for `run`, the progress job's)."""
        document = json.loads(self(*args, "--json", expect=expect).stdout)
        assert document["schema"] == 1
        assert document["ok"] == all(job["ok"] for job in document["jobs"])
        if args[0] == "run":
            [progress] = [job for job in document["jobs"] if job["job"] == "progress"]
            return progress
        [job] = document["jobs"]
        return job


@pytest.fixture
def tutorsync(demo) -> Tutorsync:
    return Tutorsync(demo / "tutorsync.toml")
