"""The progress line: drawn in place, throttled, side by side for activities at once, gone
when the command ends; nothing at all unless a command turned it on (issue 17)."""

import io
import logging

from click.testing import CliRunner

from jobs.cli import cli
from jobs.infra import logs, progress_line


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def visible(stream: io.StringIO) -> str:
    """What the terminal shows after the carriage returns: the last line drawn."""
    return stream.getvalue().split("\r")[-1].strip()


def test_nothing_is_drawn_unless_a_command_turned_it_on():
    progress_line.stage("read", "reading the sources", total=3)
    progress_line.advance("read")
    progress_line.done("read")  # no line: nothing to draw on, and nothing raised


def test_activities_show_side_by_side_with_their_counts_and_the_line_ends_empty():
    stream, clock = io.StringIO(), Clock()
    with progress_line.shown_on(stream, clock):
        progress_line.stage("folders", "Drive: folders", total=2_000)
        progress_line.stage("progress", "writing progress tabs", total=12)
        clock.now = 1.0
        progress_line.advance("folders", 400)
        shown = visible(stream)
    assert shown == "Drive: folders 400/2,000 · writing progress tabs 0/12"
    assert visible(stream) == ""


def test_advances_redraw_at_most_ten_times_a_second():
    stream, clock = io.StringIO(), Clock()
    with progress_line.shown_on(stream, clock):
        progress_line.stage("drive", "Drive", total=1_000)
        drawn = stream.getvalue().count("\r")
        for _ in range(500):
            progress_line.advance("drive")
        assert stream.getvalue().count("\r") == drawn  # the same instant: no redraw
        clock.now = 0.2
        progress_line.advance("drive")
        assert visible(stream) == "Drive 501/1,000"


def test_a_log_record_erases_the_line_first_so_they_never_share_one(capsys):
    stream, clock = io.StringIO(), Clock()
    with logs.command_scope(), progress_line.shown_on(stream, clock):
        logs.configure("text", logging.WARNING)
        progress_line.stage("read", "reading the sources", total=3)
        logging.getLogger("tutorsync").warning("a warning")
        assert visible(stream) == ""


def test_no_line_where_stderr_is_not_a_terminal(tmp_path):
    config = tmp_path / "demo"
    CliRunner().invoke(cli, ["demo", str(config), "--students", "12"])

    result = CliRunner().invoke(cli, ["run", "--config", str(config / "tutorsync.toml")])

    assert result.exit_code == 0, result.output
    assert "\r" not in result.stderr and "reading the sources" not in result.stderr


def test_a_run_at_a_terminal_draws_the_line_on_stderr_but_not_under_json_or_quiet(
    tmp_path, monkeypatch
):
    monkeypatch.setattr("jobs.cli.stderr_is_terminal", lambda: True)
    config = tmp_path / "demo"
    CliRunner().invoke(cli, ["demo", str(config), "--students", "12"])
    run = ["run", "--config", str(config / "tutorsync.toml")]

    at_terminal = CliRunner().invoke(cli, run)
    as_json = CliRunner().invoke(cli, [*run, "--json"])
    quiet = CliRunner().invoke(cli, [*run, "-q"])

    assert at_terminal.exit_code == 0, at_terminal.output
    assert "reading the sources" in at_terminal.stderr
    assert "reading the sources" not in at_terminal.stdout
    assert at_terminal.stderr.endswith("\r")  # the line is gone at the end
    assert "\r" not in as_json.stderr + quiet.stderr
