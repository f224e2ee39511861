"""Fixtures for the Spreadsheets contract suite, one harness per adapter.

A harness is an adapter's `Workspace` plus the adapter-specific ways a contract test sets the
scene: creating a source spreadsheet as an educator would (`seed`), and naming a spreadsheet
that does not exist yet (`new_reference`). To run the contract suite against another adapter,
add a fixture named `<adapter>_harness` and its name to `ADAPTERS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import Workbook

from jobs.workspace.local import LocalWorkspace
from jobs.workspace.port import Grid, Workspace

ADAPTERS = ["local"]

Seed = Callable[[str, Mapping[str, Grid]], str]


@dataclass(frozen=True)
class Harness:
    workspace: Workspace
    seed: Seed  # (name, {tab title: grid}) -> reference of a new spreadsheet with those tabs
    new_reference: Callable[[str], str]  # name -> reference of a spreadsheet not created yet


@pytest.fixture(params=ADAPTERS, ids=ADAPTERS)
def harness(request: pytest.FixtureRequest) -> Harness:
    return request.getfixturevalue(f"{request.param}_harness")


@pytest.fixture
def workspace(harness: Harness) -> Workspace:
    return harness.workspace


@pytest.fixture
def seed(harness: Harness) -> Seed:
    return harness.seed


@pytest.fixture
def new_reference(harness: Harness) -> Callable[[str], str]:
    return harness.new_reference


# --- local -----------------------------------------------------------------------------------


def save_xlsx(path: Path, tabs: Mapping[str, Grid]) -> None:
    """An .xlsx file as an educator's spreadsheet program would save it: plain openpyxl, text
    kept as text (a str starting with "=" here is something a person typed, not a formula)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, grid in tabs.items():
        sheet = workbook.create_sheet(title)
        for row_number, row in enumerate(grid, 1):
            for column_number, value in enumerate(row, 1):
                if value is None:
                    continue
                cell = sheet.cell(row=row_number, column=column_number, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


@pytest.fixture
def write_xlsx() -> Callable[[Path, Mapping[str, Grid]], None]:
    """`save_xlsx`, for local tests that make files themselves."""
    return save_xlsx


@pytest.fixture
def local_harness(tmp_path: Path) -> Harness:
    def seed(name: str, tabs: Mapping[str, Grid]) -> str:
        reference = f"{name}.xlsx"
        save_xlsx(tmp_path / reference, tabs)
        return reference

    return Harness(
        workspace=LocalWorkspace(tmp_path),
        seed=seed,
        new_reference=lambda name: f"{name}.xlsx",
    )
