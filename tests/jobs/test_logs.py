"""Log records as JSON lines a log pipeline can read, each saying which run, program, shard
and job it belongs to; and a run id that stays the same when the engine retries a run."""

import json
import logging
from collections.abc import Iterator
from datetime import date

import pytest

from jobs.infra import logs
from jobs.report import RunReport


@pytest.fixture(autouse=True)
def command_scope() -> Iterator[None]:
    """Each test sets up logging as a command does; the next test finds it as it was."""
    with logs.command_scope():
        yield


def lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_every_record_is_one_json_line_with_its_context(capsys):
    logs.configure("json", logging.INFO)
    with logs.context(run_id="run-7", shard="1/4"):
        logging.getLogger("jobs.progress").info("outside any program")
        with logs.context(program="lincoln", job="progress"):
            logging.getLogger("jobs.progress").warning("progress: %d students", 12)
        logging.getLogger("jobs.progress").debug("below the level")

    first, second = lines(capsys.readouterr().err)

    assert first["run_id"] == "run-7" and first["program"] is None and first["job"] is None
    assert second == {
        "ts": second["ts"],
        "level": "WARNING",
        "logger": "jobs.progress",
        "message": "progress: 12 students",
        "run_id": "run-7",
        "program": "lincoln",
        "shard": "1/4",
        "job": "progress",
    }
    assert second["ts"].endswith("+00:00")


def test_a_job_ends_with_one_record_of_its_counts(capsys):
    logs.configure("json", logging.INFO)
    report = RunReport(job="checkins", program="lincoln", as_of=date(2026, 11, 23), seconds=1.23456)
    report.students, report.requests = 40, {"events.list": 1, "events.insert": 3}

    with logs.context(run_id="r", program="lincoln"):
        logs.job_finished(report)

    [record] = lines(capsys.readouterr().err)
    assert record["message"] == "job finished" and record["job"] == "checkins"
    assert record["program"] == "lincoln" and record["run_id"] == "r"
    assert record["students"] == 40 and record["requests"] == 4
    assert record["duration_seconds"] == 1.235 and record["ok"] is True


def test_an_exception_is_kept_in_its_record(capsys):
    logs.configure("json", logging.INFO)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("tutorsync").exception("program failed")

    [record] = lines(capsys.readouterr().err)
    assert record["level"] == "ERROR" and "RuntimeError: boom" in record["exception"]
    assert logs.logs_json()


def test_text_logs_keep_their_format_and_show_a_records_counts(capsys):
    logs.configure("text", logging.INFO)
    with logs.context(program="lincoln"):
        logging.getLogger("jobs.progress").info("progress: 3 students")
        logs.job_finished(RunReport(job="progress", program="x", as_of=date(2026, 1, 5)))
    assert not logs.logs_json()

    plain, finished = capsys.readouterr().err.splitlines()
    assert plain == "INFO jobs.progress: progress: 3 students"
    assert finished.startswith("INFO tutorsync: job finished program=lincoln job=progress ok=True")


def test_configure_replaces_its_own_handler_and_keeps_others():
    root = logging.getLogger()
    others = [h for h in root.handlers if h.get_name() != logs.HANDLER_NAME]

    logs.configure("json", logging.INFO)
    logs.configure("text", logging.WARNING)

    ours = [h for h in root.handlers if h.get_name() == logs.HANDLER_NAME]
    assert len(ours) == 1 and ours[0].level == logging.WARNING
    assert [h for h in root.handlers if h.get_name() != logs.HANDLER_NAME] == others


@pytest.mark.parametrize(
    ("given", "environ", "run_id"),
    [
        ("nightly-42", {"CLOUD_RUN_EXECUTION": "job-abc", "GITHUB_RUN_ID": "9"}, "nightly-42"),
        (None, {"CLOUD_RUN_EXECUTION": "job-abc", "GITHUB_RUN_ID": "9"}, "job-abc"),
        # A re-run of a GitHub workflow keeps its run id; the attempt number is left out.
        (None, {"GITHUB_RUN_ID": "9", "GITHUB_RUN_ATTEMPT": "2"}, "9"),
        ("  ", {"GITHUB_RUN_ID": "9"}, "9"),
    ],
)
def test_the_run_id_given_wins_then_the_engines(given, environ, run_id):
    assert logs.run_id_from(given, environ) == run_id


def test_without_one_each_run_gets_a_new_run_id():
    first = logs.run_id_from(None, {})
    second = logs.run_id_from(None, {"CLOUD_RUN_TASK_INDEX": "0"})  # a task index is no run id
    assert first != second and len(first) == len(second) == 32
    assert int(first, 16) >= 0  # hexadecimal
