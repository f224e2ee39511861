"""The tutorsync.toml `tutorsync init` writes for a new program, commented for a first-time
coordinator. Pure: the text only; the shell (jobs.init) checks that it loads and writes it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from jobs.plan.init import CONFIG, Choices
from sheets_schema.new_program import ProgramLayouts, SpreadsheetKind


def config_text(
    new: Choices, layouts: ProgramLayouts, references: Mapping[SpreadsheetKind, str]
) -> str:
    """The program's tutorsync.toml, commented for a first-time coordinator. Pure."""
    program = new.program
    local = new.workspace.get("kind", "local") == "local"
    roster, log, grades = layouts.roster.data, layouts.tutor_log.data, layouts.gradebook.data
    goals = layouts.goals.data
    assert roster and log and grades and goals  # the source layouts all have a data tab
    where = "files in this folder" if local else "Google Sheets, named by their address"
    return "\n".join(
        [
            f"# tutorsync settings for {program.name}, written by `tutorsync init`.",
            f"# The spreadsheets are {where}. After a change, check with",
            f"#   tutorsync validate --config {CONFIG}",
            "# and run with",
            f"#   tutorsync run --config {CONFIG}",
            "# Every setting: config/example.toml in the tutorsync repository.",
            "",
            "[program]",
            f"name = {_toml(program.name)}",
            "# Tags every tab, event and folder tutorsync keeps: keep it when renaming.",
            f"key = {_toml(program.key)}",
            f"timezone = {_toml(program.timezone)}",
            "",
            *_toml_tables("workspace", new.workspace),
            "# The roster: one row per student and teacher.",
            "[sources.roster]",
            f"spreadsheet = {_toml(references[SpreadsheetKind.ROSTER])}",
            f"tab = {_toml(roster.title)}",
            "",
            "# Tutor session logs. Add tabs (tabs = [...]) or more [[sources.tutor_logs]].",
            "[[sources.tutor_logs]]",
            f"spreadsheet = {_toml(references[SpreadsheetKind.TUTOR_LOG])}",
            f"tabs = [{_toml(log.title)}]",
            "",
            "# One block per teacher's gradebook. For another teacher, copy the gradebook and",
            "# add a block naming the copy and the teacher's e-mail.",
            "[[sources.gradebooks]]",
            f"spreadsheet = {_toml(references[SpreadsheetKind.GRADEBOOK])}",
            f"tab = {_toml(grades.title)}",
            f"teacher = {_toml(new.teacher)}",
            "",
            "# Each student's goals, typed by tutors, teachers and the coordinator.",
            "[sources.goals]",
            f"spreadsheet = {_toml(references[SpreadsheetKind.GOALS])}",
            f"tab = {_toml(goals.title)}",
            "",
            "# Where tutorsync writes: the coordinator's spreadsheet gets Progress summary, Data",
            "# issues, Weekly history and Run log; each teacher's gradebook gets a Tutoring",
            "# progress tab.",
            "[outputs]",
            f"coordinator_spreadsheet = {_toml(references[SpreadsheetKind.COORDINATOR])}",
            "",
        ]
    )


def _toml(value: Any) -> str:
    """A TOML value: strings as basic strings (a JSON string is one), numbers, booleans,
    lists of those."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def _toml_tables(name: str, table: Mapping[str, Any]) -> list[str]:
    """`[name]` with its plain keys, then its sub-tables, each followed by a blank line."""
    lines = [f"[{name}]"]
    lines += [
        f"{key} = {_toml(value)}" for key, value in table.items() if not isinstance(value, dict)
    ]
    lines.append("")
    for key, value in table.items():
        if isinstance(value, dict):
            lines += _toml_tables(f"{name}.{key}", value)
    return lines
