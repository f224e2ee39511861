"""Log records on stderr, as text for people or one JSON object per line for a log pipeline,
each carrying the run, program, shard and job it belongs to.

Scheduled runs of many programs interleave in one log stream, so every record says whose it
is: the CLI sets the run id and shard once, the program around each program and the job around
each job (context variables), and a filter copies them onto every record, whichever logger made
it. Records carry counts and keys only, like everything else logged at INFO.
"""

from __future__ import annotations

import json
import logging
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal

from jobs.infra import progress_line
from jobs.report import RunReport

LogFormat = Literal["text", "json"]
LOG_FORMATS: tuple[LogFormat, ...] = ("text", "json")
TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"
HANDLER_NAME = "tutorsync"
# Run ids the job engines give, stable across retries of one scheduled run, in this order:
# Cloud Run Jobs (one execution, all its tasks and retries) and GitHub Actions (re-runs keep
# the id; GITHUB_RUN_ATTEMPT is left out on purpose). Kubernetes passes the Job's name in
# TUTORSYNC_RUN_ID through the downward API, which the --run-id option reads.
ENGINE_RUN_IDS = ("CLOUD_RUN_EXECUTION", "GITHUB_RUN_ID")

log = logging.getLogger("tutorsync")


@dataclass(frozen=True)
class LogContext:
    """What the records logged now belong to; None until known."""

    run_id: str | None = None
    program: str | None = None
    shard: str | None = None  # "i/N"
    job: str | None = None


NO_CONTEXT = LogContext()  # frozen, so one shared default is safe
_current: ContextVar[LogContext] = ContextVar("tutorsync_log_context", default=NO_CONTEXT)


@contextmanager
def context(**fields: str | None) -> Iterator[None]:
    """Records logged inside the block carry these fields (run_id, program, shard, job)."""
    token = _current.set(replace(_current.get(), **fields))
    try:
        yield
    finally:
        _current.reset(token)


def note(**fields: str | None) -> None:
    """Add fields to the current context (the program, once its config is loaded), until the
    enclosing context() or command_scope() block ends."""
    _current.set(replace(_current.get(), **fields))


def run_id_from(given: str | None, environ: Mapping[str, str]) -> str:
    """The run's id: the one given (--run-id, $TUTORSYNC_RUN_ID), else the job engine's, so a
    retried run keeps its id, else a new random one."""
    for candidate in (given, *(environ.get(name) for name in ENGINE_RUN_IDS)):
        if candidate and candidate.strip():
            return candidate.strip()
    return uuid.uuid4().hex


@contextmanager
def command_scope() -> Iterator[None]:
    """One command's logging: what configure() and note() set inside the block is undone
    after it (a process runs one command, but a test runs many)."""
    root = logging.getLogger()
    level = root.level
    token = _current.set(_current.get())
    try:
        yield
    finally:
        _current.reset(token)
        _remove_handler(root)
        root.setLevel(level)


def configure(log_format: LogFormat, level: int) -> None:
    """Send log records at `level` and above to stderr in `log_format`. Replaces what an
    earlier call set up, and leaves any other handler (a test's capture) as it is."""
    root = logging.getLogger()
    _remove_handler(root)
    handler = _StderrHandler(sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setLevel(level)
    handler.addFilter(_with_context)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter(TEXT_FORMAT))
    root.addHandler(handler)
    # Lowered only: a level someone else set lower (a test capturing INFO) stays in force.
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)


class _StderrHandler(logging.StreamHandler):
    """Erases the progress line before a record prints, so the two never share a line."""

    def emit(self, record: logging.LogRecord) -> None:
        progress_line.clear()
        super().emit(record)


def _remove_handler(root: logging.Logger) -> None:
    for handler in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(handler)


def logs_json() -> bool:
    """Whether stderr carries JSON lines, so an error must go there as a record too."""
    return any(
        handler.get_name() == HANDLER_NAME and isinstance(handler.formatter, JsonFormatter)
        for handler in logging.getLogger().handlers
    )


def job_finished(report: RunReport) -> None:
    """One record per job with what it did, in counts: what a monitor charts and alerts on."""
    with context(job=report.job):
        log.info("job finished", extra={"fields": job_counts(report)})


def job_counts(report: RunReport) -> dict[str, Any]:
    """A job's outcome in numbers, no student data: the "job finished" record's fields."""
    return {
        "ok": report.ok,
        "dry_run": report.dry_run,
        "students": report.students,
        "sessions": report.sessions,
        "scores": report.scores,
        "data_issues": len(report.issues),
        "changes": report.changes,
        "cells_changed": report.cells_changed,
        "tabs_written": len(report.actions),
        "events_changed": len(report.event_changes),
        "folders_changed": len(report.folder_changes),
        "failures": len(report.failures),
        "requests": sum(report.requests.values()),
        "duration_seconds": round(report.seconds, 3),
    }


def _with_context(record: logging.LogRecord) -> bool:
    """Copy the current context onto the record (a filter that never drops one)."""
    for name, value in asdict(_current.get()).items():
        if not hasattr(record, name):
            setattr(record, name, value)
    return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line: its time, level, logger and message, the
    context, and the record's own fields (`extra={"fields": {...}}`)."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **{name: getattr(record, name, None) for name in LogContext.__dataclass_fields__},
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(document, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The plain format, with a record's fields (and so its job) appended as key=value."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = getattr(record, "fields", None)
        if not fields:
            return text
        shown = {"program": getattr(record, "program", None), "job": getattr(record, "job", None)}
        shown.update(fields)
        return f"{text} {' '.join(f'{name}={value}' for name, value in shown.items())}"
