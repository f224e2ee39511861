"""The house rules of the code's layout, checked by parsing the source (nothing is imported).

1. The pure modules (planners, reconcile, the model, parsing, sheets_schema) do no I/O: they
   import no adapter, no infrastructure, no reader and no library that touches files, clocks,
   processes, the network or logs.
2. sheets_schema imports nothing from jobs.
3. The port modules hold Protocols only.
4. Nothing imports up into a job shell: nothing imports jobs.cli, only jobs/cli.py imports
   jobs.fleet and jobs.run, and the workspace adapters import only errors, settings, the model,
   the workspace itself and the two sheets_schema modules that describe cells and new programs.
5. Functions stay under 80 lines and job shells under 150.
6. ARCHITECTURE.md names only paths and modules that exist.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Each entry is a package (every module under it, which must hold at least one) or a single
# module (skipped while it does not exist).
PURE = (
    "jobs/plan",
    "jobs/reconcile",
    "jobs/model",
    "jobs/parse.py",
    "jobs/stage.py",
    "sheets_schema",
)
NO_IO = (
    "jobs.workspace",
    "jobs.infra",
    "jobs.read",
    "os",
    "time",
    "io",
    "pathlib",
    "shutil",
    "subprocess",
    "socket",
    "threading",
    "requests",
    "httplib2",
    "openpyxl",
    "gspread",
    "googleapiclient",
    "google",
    "icalendar",
    "logging",
)
PORTS = (
    "jobs/workspace/port.py",
    "jobs/workspace/calendar_port.py",
    "jobs/workspace/drive_port.py",
    "jobs/workspace/init_port.py",
    "jobs/workspace/probe_port.py",
)
WORKSPACE_MAY_IMPORT = (
    "jobs.errors",
    "jobs.infra.progress_line",  # like logging: says how far long work is, decides nothing
    "jobs.settings",
    "jobs.model",
    "jobs.workspace",
    "sheets_schema.cells",
    "sheets_schema.new_program",
)
MAX_FUNCTION_LINES = 80
FUNCTION_SIZE_EXEMPT = ("jobs/demo.py",)  # generated demo data
JOB_SHELLS = (
    "jobs/progress.py",
    "jobs/checkins.py",
    "jobs/folders.py",
    "jobs/audit.py",
    "jobs/validate.py",
    "jobs/doctor.py",
    "jobs/deep.py",
    "jobs/init.py",
    "jobs/run.py",
    "jobs/fleet.py",
)
MAX_SHELL_LINES = 150
PATH_PREFIXES = ("jobs/", "sheets_schema/", "tests/", "bench/", "config/", "deploy/", "docs/")
MODULE_PREFIXES = ("jobs.", "sheets_schema.")


# Reading the source


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def python_files(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def module_file(name: str) -> Path | None:
    """The file of a module of this repository (`x/y.py` or `x/y/__init__.py`), if any."""
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


_trees: dict[Path, ast.Module] = {}


def parse(path: Path) -> ast.Module:
    """The file's syntax tree, parsed once per test run (several rules read each file)."""
    if path not in _trees:
        _trees[path] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return _trees[path]


def imports_in(tree: ast.Module, package: list[str]) -> list[tuple[int, str]]:
    """(line, module) for every import anywhere in the tree: at module level, inside
    functions and under `if TYPE_CHECKING:`. `from x import y` counts as importing `x.y` when
    that is a module of this repository, else as importing `x`; relative imports are resolved
    from `package`, the dotted parts of the package the tree's module is in."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package[: len(package) - node.level + 1]
                base = ".".join(part for part in [*parent, base] if part)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                is_module = alias.name != "*" and module_file(submodule) is not None
                found.append((node.lineno, submodule if is_module else base))
    return sorted(set(found))


_imports: dict[Path, list[tuple[int, str]]] = {}


def imports(path: Path) -> list[tuple[int, str]]:
    if path not in _imports:
        package = module_name(path).split(".")
        if path.name != "__init__.py":
            package.pop()
        _imports[path] = imports_in(parse(path), package)
    return _imports[path]


def is_within(name: str, prefix: str) -> bool:
    """`os` covers `os` and `os.path`, not `ossify`."""
    return name == prefix or name.startswith(prefix + ".")


def imports_matching(paths: list[Path], prefixes: tuple[str, ...]) -> list[str]:
    return [
        f"{rel(path)}:{line} imports {name}"
        for path in paths
        for line, name in imports(path)
        if any(is_within(name, prefix) for prefix in prefixes)
    ]


def test_imports_are_found_anywhere_and_matched_on_dotted_boundaries():
    source = """
import os.path
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    from jobs.workspace.port import Workspace
def plan():
    import logging
from .. import settings
from . import not_a_module
from datetime import time
import ossify
"""
    found = imports_in(ast.parse(source), ["jobs", "plan"])
    assert found == [
        (2, "os.path"),
        (3, "typing"),
        (5, "jobs.workspace.port"),
        (7, "logging"),
        (8, "jobs.settings"),
        (9, "jobs.plan"),
        (10, "datetime"),
        (11, "ossify"),
    ]
    forbidden = [name for _, name in found if any(is_within(name, io) for io in NO_IO)]
    assert forbidden == ["os.path", "jobs.workspace.port", "logging"]


# 1 and 2: pure modules


def pure_files(entry: str) -> list[Path]:
    target = ROOT / entry
    if entry.endswith(".py"):
        if not target.is_file():
            pytest.skip(f"{entry} does not exist (yet)")
        return [target]
    files = python_files(entry)
    assert files, f"{entry}/ is listed as a pure package but holds no module"
    return files


@pytest.mark.parametrize("entry", PURE)
def test_pure_modules_import_no_io(entry):
    broken = imports_matching(pure_files(entry), NO_IO)
    assert not broken, "pure modules import I/O:\n" + "\n".join(broken)


def test_sheets_schema_imports_nothing_from_jobs():
    broken = imports_matching(python_files("sheets_schema"), ("jobs",))
    assert not broken, "sheets_schema imports jobs:\n" + "\n".join(broken)


# 3: ports


def is_protocol(base: ast.expr) -> bool:
    if isinstance(base, ast.Subscript):  # Protocol[T]
        base = base.value
    return (isinstance(base, ast.Name) and base.id == "Protocol") or (
        isinstance(base, ast.Attribute) and base.attr == "Protocol"
    )


def is_dataclass(decorator: ast.expr) -> bool:
    if isinstance(decorator, ast.Call):  # @dataclass(frozen=True)
        decorator = decorator.func
    name = decorator.attr if isinstance(decorator, ast.Attribute) else getattr(decorator, "id", "")
    return name == "dataclass"


def top_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """The module's statements, with those under top-level `if` and `try` blocks."""
    statements = []
    for node in body:
        statements.append(node)
        if isinstance(node, ast.If | ast.Try):
            nested = node.body + node.orelse + getattr(node, "finalbody", [])
            nested += [stmt for handler in getattr(node, "handlers", []) for stmt in handler.body]
            statements += top_level(nested)
    return statements


def port_problems(path: Path) -> list[str]:
    problems = []
    for node in top_level(parse(path).body):
        where = f"{rel(path)}:{node.lineno}"
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            problems.append(f"{where} defines function {node.name}")
        elif isinstance(node, ast.ClassDef):
            if not any(is_protocol(base) for base in node.bases):
                problems.append(f"{where} defines class {node.name}, not a Protocol")
            if any(is_dataclass(decorator) for decorator in node.decorator_list):
                problems.append(f"{where} defines dataclass {node.name}")
    return problems


@pytest.mark.parametrize("port", PORTS)
def test_ports_hold_protocols_only(port):
    path = ROOT / port
    assert path.is_file(), f"{port} is gone: update PORTS in this test"
    problems = port_problems(path)
    assert not problems, "\n".join(problems)


# 4: nothing imports up into a job shell


def test_nothing_imports_the_cli():
    broken = imports_matching(python_files("jobs", "sheets_schema"), ("jobs.cli",))
    assert not broken, "\n".join(broken)


def test_only_the_cli_imports_fleet_and_run():
    others = [path for path in python_files("jobs", "sheets_schema") if rel(path) != "jobs/cli.py"]
    broken = imports_matching(others, ("jobs.fleet", "jobs.run"))
    assert not broken, "\n".join(broken)


def test_workspace_imports_only_errors_settings_model_workspace_and_cell_values():
    broken = [
        f"{rel(path)}:{line} imports {name}"
        for path in python_files("jobs/workspace")
        for line, name in imports(path)
        if any(is_within(name, project) for project in ("jobs", "sheets_schema"))
        and not any(is_within(name, allowed) for allowed in WORKSPACE_MAY_IMPORT)
    ]
    assert not broken, "\n".join(broken)


# 5: sizes


def test_no_function_is_over_80_lines():
    too_long = [
        f"{rel(path)}:{node.lineno} {node.name} is {node.end_lineno - node.lineno + 1} lines"
        for path in python_files("jobs", "sheets_schema")
        if rel(path) not in FUNCTION_SIZE_EXEMPT
        for node in ast.walk(parse(path))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not too_long, f"functions over {MAX_FUNCTION_LINES} lines:\n" + "\n".join(too_long)


@pytest.mark.parametrize("shell", JOB_SHELLS)
def test_job_shells_are_under_150_lines(shell):
    path = ROOT / shell
    if not path.is_file():
        pytest.skip(f"{shell} does not exist (yet)")
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines < MAX_SHELL_LINES, f"{shell} is {lines} lines, not under {MAX_SHELL_LINES}"


# 6: ARCHITECTURE.md


def backtick_run_end(text: str, start: int) -> int:
    end = start
    while end < len(text) and text[end] == "`":
        end += 1
    return end


def code_spans(markdown_text: str) -> list[str]:
    """The text of every inline code span outside fenced code blocks: a run of backticks up to
    the next run of as many."""
    prose, fence = [], ""
    for line in markdown_text.splitlines():
        stripped = line.lstrip()
        if fence:
            fence = "" if stripped.startswith(fence) else fence
        elif stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
        else:
            prose.append(line)
    text = "\n".join(prose)
    spans, at = [], 0
    while (start := text.find("`", at)) != -1:
        opening_end = backtick_run_end(text, start)
        close = text.find("`", opening_end)
        while close != -1 and backtick_run_end(text, close) - close != opening_end - start:
            close = text.find("`", backtick_run_end(text, close))
        if close == -1:  # no closing run: the backticks are literal
            at = opening_end
            continue
        spans.append(text[opening_end:close].strip())
        at = backtick_run_end(text, close)
    return spans


def looks_like_path(span: str) -> bool:
    allowed = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/")
    return span.startswith(PATH_PREFIXES) and set(span) <= allowed and "//" not in span


def looks_like_module(span: str) -> bool:
    return span.startswith(MODULE_PREFIXES) and all(part.isidentifier() for part in span.split("."))


def modules_named_in(markdown_text: str) -> list[str]:
    """The repository paths (`jobs/plan/`, `tests/e2e/conftest.py`) and dotted module names
    (`jobs.plan.tabs`, `sheets_schema.cells.TabWrite`) in the text's code spans, in order,
    each once. A trailing `()` on a name is dropped."""
    named: list[str] = []
    for span in code_spans(markdown_text):
        span = span.removesuffix("()")
        if (looks_like_path(span) or looks_like_module(span)) and span not in named:
            named.append(span)
    return named


def names_defined(body: list[ast.stmt]) -> dict[str, ast.stmt]:
    """The names a module or class body defines (imports included: a module re-exports
    them), with those under top-level `if` and `try` blocks."""
    defined: dict[str, ast.stmt] = {}
    for node in top_level(body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defined[node.name] = node
        elif isinstance(node, ast.Assign):
            targets = [t for target in node.targets for t in ast.walk(target)]
            defined |= {t.id: node for t in targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            defined[node.target.id] = node
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                defined[(alias.asname or alias.name).split(".")[0]] = node
    return defined


def unresolved(dotted: str) -> str | None:
    """Why `dotted` names nothing in this repository, or None if it resolves: the longest
    prefix that is a module, then names defined at its top level (and inside a class)."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        path = module_file(".".join(parts[:cut]))
        if path is not None:
            break
    else:
        return f"`{dotted}`: no module {parts[0]}"
    body: list[ast.stmt] = parse(path).body
    for depth in range(cut, len(parts)):
        node = names_defined(body).get(parts[depth])
        if node is None:
            return f"`{dotted}`: {rel(path)} defines no {'.'.join(parts[cut : depth + 1])}"
        body = node.body if isinstance(node, ast.ClassDef) else []
    return None


def test_modules_named_in_finds_paths_and_modules_in_code_spans():
    text = (
        "The planners (`jobs/plan/`) write `jobs.plan.tabs.WriteTab`; see `tests/e2e/`.\n"
        "``sheets_schema.cells`` and `jobs.cli.main()`, not `ossify`, `jobs/**` or `make test`."
        "\n```sh\n`jobs/in_a_fence.py`\n```\n"
        "Again `jobs/plan/` and a stray ` backtick."
    )
    assert modules_named_in(text) == [
        "jobs/plan/",
        "jobs.plan.tabs.WriteTab",
        "tests/e2e/",
        "sheets_schema.cells",
        "jobs.cli.main",
    ]


def test_dotted_names_resolve_to_a_module_then_names_defined_in_it():
    assert unresolved("jobs.settings") is None
    assert unresolved("jobs.workspace") is None  # a package
    assert unresolved("jobs.settings.Settings") is None
    assert unresolved("sheets_schema.cells.TabWrite") is None
    assert "defines no NoSuchName" in unresolved("jobs.settings.NoSuchName")
    assert "defines no no_such_module" in unresolved("jobs.no_such_module")
    assert "defines no Settings.no_such_field" in unresolved("jobs.settings.Settings.no_such_field")


def test_architecture_md_names_only_paths_and_modules_that_exist():
    path = ROOT / "ARCHITECTURE.md"
    if not path.is_file():
        pytest.skip("ARCHITECTURE.md does not exist yet: nothing to check against the code")
    named = modules_named_in(path.read_text(encoding="utf-8"))
    assert len(named) >= 10, f"ARCHITECTURE.md names only {len(named)} paths or modules"
    problems = []
    for name in named:
        if "/" not in name:
            problems.append(unresolved(name))
        elif not (ROOT / name).exists() or (name.endswith("/") and not (ROOT / name).is_dir()):
            problems.append(f"`{name}` does not exist")
    problems = [problem for problem in problems if problem]
    assert not problems, "ARCHITECTURE.md names what is not there:\n" + "\n".join(problems)
