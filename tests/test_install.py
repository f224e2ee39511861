"""Installs that are the same tomorrow (issue 21): the environment the tests run in holds
exactly what requirements/dev-lock.txt locks, and the wheel, installed from
requirements/lock.txt into a clean virtualenv, runs the demo with nothing of the source tree.

The newest-versions check (deploy/github-actions.yml) installs without the lock on purpose,
and leaves out `test_environment_holds_exactly_the_locked_versions`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "lock.txt"
DEV_LOCK = ROOT / "requirements" / "dev-lock.txt"
# A pinned requirement line of a lock: name==version, then an environment marker if any.
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def pins(lock_text: str) -> dict[str, str]:
    """{canonical name: version} of the pins of a lock that apply to this interpreter and
    platform (a universal lock also holds, say, colorama for Windows)."""
    found = {}
    for line in lock_text.splitlines():
        if match := PIN.match(line):
            name, version, marker = match.groups()
            if marker is None or Marker(marker).evaluate():
                found[canonicalize_name(name)] = version
    return found


def locked(lock: Path) -> dict[str, str]:
    return pins(lock.read_text(encoding="utf-8"))


def frozen(python: Path | str) -> dict[str, str]:
    """{canonical name: version} of what `pip freeze --all` lists for `python`, tutorsync
    itself left out (installed editable by make, from the wheel in a deployment)."""
    listing = subprocess.run(
        [str(python), "-m", "pip", "freeze", "--all"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    installed = {}
    for line in listing.splitlines():
        if not line.strip() or line.startswith(("#", "-e ")):
            continue
        name, separator, version = line.partition("==")
        if canonicalize_name(name.split(" @ ")[0]) == "tutorsync":
            continue
        assert separator, f"pip freeze lists {line!r}, not a released version"
        installed[canonicalize_name(name)] = version.strip()
    return installed


def differences(installed: dict[str, str], locked_pins: dict[str, str]) -> list[str]:
    """What stands between an environment and a lock, one sentence each."""
    said = [
        f"{name} {installed.get(name, 'missing')}, locked {version}"
        for name, version in sorted(locked_pins.items())
        if installed.get(name) != version
    ]
    said += [
        f"{name} {version} is installed but not locked"
        for name, version in sorted(installed.items())
        if name not in locked_pins
    ]
    return said


def test_the_lock_reader_sees_pins_markers_and_hashes():
    text = (
        "click==8.5.1 \\\n    --hash=sha256:ab\n"
        "colorama==0.4.6 ; sys_platform == 'win32' \\\n    --hash=sha256:cd\n"
        "cffi==2.1.1 ; platform_python_implementation != 'PyPy' \\\n"
        "    # via cryptography\n"
    )
    windows = sys.platform == "win32"
    pypy = sys.implementation.name == "pypy"
    expected = {"click": "8.5.1"} | ({"colorama": "0.4.6"} if windows else {})
    expected |= {} if pypy else {"cffi": "2.1.1"}
    assert pins(text) == expected


def test_the_application_lock_is_the_dev_lock_less_the_dev_tools():
    """Both were compiled together (`make lock`): the image and a school's server run the very
    versions the tests ran with."""
    application, development = locked(LOCK), locked(DEV_LOCK)
    assert application
    assert {name: development.get(name) for name in application} == application
    for tool in ("pytest", "mypy", "ruff", "hypothesis", "pyyaml"):
        assert tool in development and tool not in application, tool


def test_every_dependency_of_pyproject_is_locked_within_its_bounds_with_hashes():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    project = pyproject["project"]
    names = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    development = locked(DEV_LOCK)
    for line in names:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in development, f"{line} is not locked: run `make lock UPGRADE=`"
        assert requirement.specifier.contains(development[name], prereleases=True), (
            f"{name} is locked at {development[name]}, outside {line}: run `make lock UPGRADE=`"
        )
    for lock in (LOCK, DEV_LOCK):
        text = lock.read_text(encoding="utf-8")
        blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
        for block in blocks:
            if PIN.match(block.splitlines()[0]):
                assert "--hash=sha256:" in block, block.splitlines()[0]


def test_environment_holds_exactly_the_locked_versions():
    """What `make` installed from requirements/dev-lock.txt, no more, no other version. A
    package installed by hand, or one a newer lock dropped, shows here: `make clean test`
    builds .venv afresh."""
    assert differences(frozen(sys.executable), locked(DEV_LOCK)) == []


def test_differences_name_each_version_missing_and_extra():
    said = differences({"pandas": "3.0.0", "left": "1.0"}, {"pandas": "3.1.1", "gspread": "6.2"})
    assert said == [
        "gspread missing, locked 6.2",
        "pandas 3.0.0, locked 3.1.1",
        "left 1.0 is installed but not locked",
    ]


# --- the wheel, in a clean virtualenv -------------------------------------------------------


def clean_environment() -> dict[str, str]:
    """This process's environment without what would let the source tree or this virtualenv
    leak into the clean one."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PIP_REQUIRE_VIRTUALENV")
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def build_wheel(into: Path) -> Path:
    """The wheel of a copy of the sources the Dockerfile copies, so the build leaves nothing
    in the working tree. Built with this environment's locked setuptools."""
    source = into / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for package in ("jobs", "sheets_schema"):
        shutil.copytree(
            ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
    subprocess.run(
        [*pip_wheel, "--no-build-isolation", "--wheel-dir", str(into / "dist"), str(source)],
        check=True,
        env=clean_environment(),
    )
    [wheel] = (into / "dist").glob("tutorsync-*.whl")
    return wheel


@pytest.mark.slow
def test_wheel_installed_from_the_lock_runs_the_demo_and_a_rerun_changes_nothing(tmp_path):
    wheel = build_wheel(tmp_path)
    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    python = environment / "bin" / "python"
    env = clean_environment()

    def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        # From a folder outside the source tree, so nothing is imported from it.
        done = subprocess.run(
            [str(a) for a in args], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
        return done

    run(python, "-m", "pip", "install", "--quiet", "--require-hashes", "-r", LOCK)
    run(python, "-m", "pip", "install", "--quiet", "--no-deps", wheel)
    assert differences(frozen(python), locked(LOCK)) == []
    where = run(python, "-c", "import jobs, sheets_schema; print(jobs.__file__)").stdout
    assert Path(where.strip()).is_relative_to(environment)

    tutorsync = environment / "bin" / "tutorsync"
    assert run(tutorsync, "--version").stdout.startswith("tutorsync ")
    run(tutorsync, "demo", tmp_path / "demo")
    config = tmp_path / "demo" / "tutorsync.toml"
    first = json.loads(run(tutorsync, "run", "--config", config, "--json").stdout)
    second = json.loads(run(tutorsync, "run", "--config", config, "--json").stdout)

    assert first["ok"] and sum(job["changes"] for job in first["jobs"]) > 0
    assert second["ok"]
    assert {job["job"]: job["changes"] for job in second["jobs"]} == {
        job["job"]: 0 for job in second["jobs"]
    }
