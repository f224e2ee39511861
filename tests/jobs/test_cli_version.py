"""`tutorsync --version` (issue 21): what a bug report needs to reproduce an install, with
tutorsync's version read from the one place it is written, pyproject.toml."""

import platform
import re
import tomllib
from importlib.metadata import version
from pathlib import Path

from click.testing import CliRunner

from jobs.cli import cli
from jobs.versions import LIBRARIES, installed_version

ROOT = Path(__file__).resolve().parents[2]


def test_version_names_tutorsync_python_and_the_google_and_spreadsheet_libraries(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # no config, no credentials needed
    result = CliRunner().invoke(cli, ["--version"])

    assert result.exit_code == 0, result.output
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    lines = result.stdout.splitlines()
    assert lines[0] == f"tutorsync {pyproject['project']['version']}"
    assert lines[1].startswith(f"Python {platform.python_version()} ")
    for name in LIBRARIES:
        assert f"{name} {version(name)}" in lines, name
    assert {
        "google-api-python-client",
        "google-auth",
        "gspread",
        "pandas",
        "openpyxl",
        "python-calamine",
    } <= set(LIBRARIES)


def test_a_library_that_is_missing_is_said_so_not_a_traceback():
    assert installed_version("no-such-distribution-tutorsync") == "not installed"


def test_version_is_not_written_in_the_package():
    """pyproject.toml's `version` is the only place: the package reads it from its metadata."""
    for source in [
        *ROOT.joinpath("jobs").rglob("*.py"),
        *ROOT.joinpath("sheets_schema").rglob("*.py"),
    ]:
        assert "__version__" not in source.read_text(encoding="utf-8"), source


def test_changelog_starts_at_the_current_version_and_the_readme_says_where_it_is():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (\S+)", changelog, re.M)
    released = [heading for heading in headings if heading != "Unreleased"]
    assert released[0] == pyproject["project"]["version"]
    assert headings[: headings.index(released[0])] in ([], ["Unreleased"])
    assert "CHANGELOG.md" in (ROOT / "README.md").read_text(encoding="utf-8")
