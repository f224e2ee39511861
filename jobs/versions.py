"""What `tutorsync --version` prints: tutorsync's version and those of the libraries whose
behaviour a bug report most often turns on. tutorsync's own comes from its installed metadata,
that is from pyproject.toml's `version`, the one place it is written."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

# The Google clients and the spreadsheet readers: what changes the requests tutorsync makes and
# how it reads cells.
LIBRARIES = (
    "google-api-python-client",
    "google-auth",
    "gspread",
    "pandas",
    "openpyxl",
    "python-calamine",
)


def installed_version(distribution: str) -> str:
    """The installed version of `distribution`, or "not installed"."""
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


def versions_report() -> str:
    """tutorsync's version on the first line, then Python's and each library's, one a line."""
    python = f"{platform.python_version()} ({platform.python_implementation()}, "
    python += f"{platform.system()} {platform.machine()})"
    lines = [f"tutorsync {installed_version('tutorsync')}", f"Python {python}"]
    lines += [f"{name} {installed_version(name)}" for name in LIBRARIES]
    return "\n".join(lines)
