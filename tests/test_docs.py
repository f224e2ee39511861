"""The README stays true: every command is documented there and has help text."""

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from jobs.cli import cli
from jobs.settings import load

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_and_is_in_the_readme(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert cli.commands[name].help
    assert f"tutorsync {name}" in README


def test_help_needs_no_config_or_credentials(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0 and "run" in result.output


def test_readme_quick_start_is_two_make_targets_that_exist():
    block = re.search(r"## Quick start.*?```sh\n(.*?)```", README, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_readme_cron_lines_send_the_report_to_a_log_so_mail_means_trouble():
    lines = re.findall(r"`(30 6 \* \* 1-5 .*?)`", README)
    assert lines
    for line in lines:
        assert " -q " in line and line.endswith(">>log/tutorsync.log"), line


def test_example_config_is_valid():
    settings = load(ROOT / "config" / "example.toml")
    assert settings.program.key == "example-middle-school-tutoring"


def test_readme_documents_every_setting_of_the_example_config():
    example = (ROOT / "config" / "example.toml").read_text()
    for section in re.findall(r"^\[+([a-z_.]+)\]+", example, re.M):
        assert section.split(".")[0] in README or section in README


def test_console_script_is_declared():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'tutorsync = "jobs.cli:main"' in pyproject
