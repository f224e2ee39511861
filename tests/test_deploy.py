"""The scheduler examples in deploy/ run commands tutorsync accepts, set only variables it
reads, and keep the promises of deploy/README.md (no overlap, non-root, keys owner-only).

Each file is parsed as text or YAML: no docker, kubectl, systemd or cloud needed. Commands
are checked against the real click CLI, so an option renamed in jobs/cli.py fails here until
the examples follow."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath
from typing import Any
from unittest import mock

import click
import pytest
import yaml

from jobs.cli import cli
from jobs.settings import parse

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"

# Variables the examples may set that are not tutorsync's: the runtime's own.
RUNTIME_VARIABLES = {
    "PATH",
    "SHELL",
    "MAILTO",
    "PYTHONUNBUFFERED",
    "PYTHONDONTWRITEBYTECODE",
    "PIP_NO_CACHE_DIR",
    "PIP_DISABLE_PIP_VERSION_CHECK",
}
CRON_SCHEDULE = re.compile(r"^(\S+\s+){4}\S+$")


# --- checking a command line against the CLI ---------------------------------------------


def cli_problem(args: Sequence[str], env: Mapping[str, str] | None = None) -> str | None:
    """Why `tutorsync ARGS`, with only `env` in the environment, would stop at parsing (an
    unknown command or option, a value click refuses, a stray argument), or None. Parsing only:
    the command never runs."""
    command: click.Command = cli
    parent: click.Context | None = None
    name, rest = "tutorsync", list(args)
    with mock.patch.dict(os.environ, dict(env or {}), clear=True):
        try:
            while isinstance(command, click.Group):
                parent = click.Context(command, info_name=name, parent=parent)
                if not rest or rest[0] not in command.commands:
                    return f"no command {rest[:1]} in `{name}`"
                name, command, rest = rest[0], command.commands[rest[0]], rest[1:]
            command.make_context(name, rest, parent=parent)
        except click.ClickException as error:
            return error.format_message()
    return None


def variable_problem(name: str) -> str | None:
    """Why setting `name` for tutorsync does nothing, or None: a TUTORSYNC_* (or any other)
    variable must be read somewhere in the package, as a click envvar or by name."""
    if name in RUNTIME_VARIABLES:
        return None
    package = [ROOT / "jobs", ROOT / "sheets_schema"]
    for folder in package:
        for source in folder.rglob("*.py"):
            if f'"{name}"' in source.read_text(encoding="utf-8"):
                return None
    return f"{name} is not read by tutorsync"


def shell_commands(line: str) -> Iterator[tuple[dict[str, str], list[str]]]:
    """(leading VAR=value assignments, words) of each simple command in a shell line, with
    redirections removed. Enough for the one-line commands of these examples."""
    for part in re.split(r"&&|\|\||;|\|", line):
        part = re.sub(r"\s\d*(>>|>|<)(&\d+|\s*\S+)", " ", f" {part}")
        words = shlex.split(part)
        env: dict[str, str] = {}
        while words and re.fullmatch(r"[A-Za-z_]\w*=.*", words[0]):
            key, _, value = words.pop(0).partition("=")
            env[key] = value
        yield env, words


def tutorsync_args(words: Sequence[str]) -> list[str] | None:
    """The arguments if `words` runs tutorsync (by any path), else None."""
    if words and PurePosixPath(words[0]).name == "tutorsync":
        return list(words[1:])
    return None


def test_the_checker_refuses_what_tutorsync_refuses() -> None:
    assert cli_problem(["run", "--config-dir", "/config"]) is None
    assert cli_problem(["run", "--no-such-option"]) is not None
    assert cli_problem(["run", "--wait", "soon"]) is not None
    assert cli_problem(["run", "stray"]) is not None
    assert cli_problem(["no-such-command"]) is not None
    assert cli_problem(["run"], {"TUTORSYNC_WAIT": "soon"}) is not None
    assert variable_problem("TUTORSYNC_CONFIG") is None
    assert variable_problem("TUTORSYNC_NO_SUCH_SETTING") is not None


# --- cron ----------------------------------------------------------------------------------


def crontab() -> tuple[dict[str, str], list[str]]:
    """The crontab's variables, and its entries' commands: active ones and the commented
    alternatives (lines that are an entry once the '#' is removed)."""
    env: dict[str, str] = {}
    commands = []
    for raw in (DEPLOY / "crontab").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if match := re.fullmatch(r"([A-Za-z_]\w*)=(.*)", line):
            env[match[1]] = match[2].strip().strip('"')
            continue
        entry = re.fullmatch(r"#?\s*((?:\S+\s+){4}\S+)\s+(.*\S)", line)
        if entry and re.fullmatch(r"[\d*/,-]+", entry[1].split()[0]) and "tutorsync" in entry[2]:
            commands.append(entry[2])
    return env, commands


def test_crontab_runs_tutorsync_commands_it_accepts() -> None:
    env, commands = crontab()
    assert commands, "no crontab entry runs tutorsync"
    for name in env:
        assert variable_problem(name) is None, name
    runs = 0
    for command in commands:
        assert "%" not in command, "cron turns % into a newline"
        for assigned, words in shell_commands(command):
            if (args := tutorsync_args(words)) is not None:
                runs += 1
                assert cli_problem(args, {**env, **assigned}) is None, (command, args)
    assert runs == len(commands)


def test_crontab_entries_are_cron_schedules() -> None:
    text = (DEPLOY / "crontab").read_text(encoding="utf-8")
    active = [
        line
        for line in text.splitlines()
        if line.strip() and not line.startswith("#") and "=" not in line.split()[0]
    ]
    assert active
    for line in active:
        schedule = " ".join(line.split()[:5])
        assert CRON_SCHEDULE.fullmatch(schedule), line
        assert "flock" not in line  # tutorsync locks each program itself


# --- systemd -------------------------------------------------------------------------------


def unit(name: str) -> dict[str, list[str]]:
    """A unit file as {"Section.Key": [values in order]}: keys like Environment= repeat, which
    configparser does not allow."""
    settings: dict[str, list[str]] = {}
    section = ""
    text = (DEPLOY / "systemd" / name).read_text(encoding="utf-8").replace("\\\n", " ")
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        settings.setdefault(f"{section}.{key.strip()}", []).append(value.strip())
    return settings


def service_environment(service: dict[str, list[str]]) -> dict[str, str]:
    env = {}
    for value in service.get("Service.Environment", []):
        for assignment in shlex.split(value):
            key, _, variable = assignment.partition("=")
            env[key] = variable
    return env


def test_systemd_service_runs_a_command_tutorsync_accepts() -> None:
    service = unit("tutorsync.service")
    [exec_start] = service["Service.ExecStart"]
    words = shlex.split(exec_start.lstrip("-@:+!"))
    args = tutorsync_args(words)
    assert args is not None, exec_start
    assert PurePosixPath(words[0]).is_absolute()  # systemd runs no shell to search PATH
    env = service_environment(service)
    for name in env:
        assert variable_problem(name) is None, name
    assert cli_problem(args, env) is None
    assert "json" in args or env.get("TUTORSYNC_LOG_FORMAT") == "json"


def test_systemd_service_runs_hardened_as_a_dedicated_user() -> None:
    service = unit("tutorsync.service")
    assert service["Service.Type"] == ["oneshot"]
    user = service.get("Service.User", ["root"])[-1]
    assert user not in ("root", "0") or service.get("Service.DynamicUser") == ["yes"]
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "PrivateTmp": "yes",
        "ProtectHome": "yes",
    }.items():
        assert service[f"Service.{key}"] == [value], key


def test_systemd_lock_folder_is_writable_under_protect_system_strict() -> None:
    """A Google program's lock goes to $XDG_RUNTIME_DIR: with ProtectSystem=strict that must be
    the unit's RuntimeDirectory (or listed in ReadWritePaths), or every run fails to lock."""
    service = unit("tutorsync.service")
    lock_folder = service_environment(service)["XDG_RUNTIME_DIR"]
    writable = [f"/run/{name}" for name in service.get("Service.RuntimeDirectory", [])]
    writable += [path.lstrip("-") for path in service.get("Service.ReadWritePaths", [])]
    assert lock_folder in writable


def test_systemd_key_is_a_credential_at_the_path_the_configs_name() -> None:
    service = unit("tutorsync.service")
    [credential] = service["Service.LoadCredential"]
    name, _, source = credential.partition(":")
    assert PurePosixPath(source).is_absolute()
    # The configs' key_file cannot say %d: the unit's credentials folder, by its name.
    expected = f'key_file = "/run/credentials/tutorsync.service/{name}"'
    assert expected in (DEPLOY / "systemd" / "tutorsync.service").read_text(encoding="utf-8")


def test_systemd_timer_starts_on_a_calendar_and_catches_up() -> None:
    timer = unit("tutorsync.timer")
    [calendar] = timer["Timer.OnCalendar"]
    assert calendar
    assert timer["Timer.Persistent"] == ["true"]
    assert timer["Timer.RandomizedDelaySec"]
    assert timer["Install.WantedBy"] == ["timers.target"]
    if analyze := shutil.which("systemd-analyze"):
        checked = subprocess.run(
            [analyze, "calendar", calendar], capture_output=True, text=True, check=False
        )
        assert checked.returncode == 0, checked.stderr


# --- Dockerfile ----------------------------------------------------------------------------


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile's stages, each a list of (INSTRUCTION, arguments)."""
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    stages: list[list[tuple[str, str]]] = []
    for logical in "\n".join(lines).replace("\\\n", " ").splitlines():
        if not logical.strip():
            continue
        instruction, _, arguments = logical.strip().partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        stages[-1].append((instruction.upper(), arguments.strip()))
    return stages


def dockerfile_env(stage: list[tuple[str, str]]) -> dict[str, str]:
    env = {}
    for instruction, arguments in stage:
        if instruction == "ENV":
            for assignment in shlex.split(arguments):
                key, _, value = assignment.partition("=")
                env[key] = value
    return env


def test_image_runs_tutorsync_as_entrypoint_with_a_command_it_accepts() -> None:
    final = dockerfile_stages()[-1]
    assert final[0] == ("FROM", "python:3.12-slim")
    [entrypoint] = [json.loads(a) for i, a in final if i == "ENTRYPOINT"]
    [command] = [json.loads(a) for i, a in final if i == "CMD"]
    assert entrypoint == ["tutorsync"]
    env = dockerfile_env(final)
    for name in env:
        assert variable_problem(name) is None, name
    assert cli_problem(command, env) is None
    assert command[:1] == ["run"] and "--config-dir" in command


def image_user() -> str:
    [*_, user] = [a for i, a in dockerfile_stages()[-1] if i == "USER"]
    return user


def test_image_runs_as_a_numeric_non_root_user() -> None:
    """Numeric, so Kubernetes' runAsNonRoot can check it without the image's /etc/passwd."""
    uid, _, gid = image_user().partition(":")
    assert uid.isdigit() and int(uid) != 0
    assert not gid or int(gid) != 0


def test_image_copies_in_no_credentials_or_configs() -> None:
    secret_like = ["*.json", "*.toml", "*.pem", "*.p12", "*key*", "*secret*", "*token*"]
    for stage in dockerfile_stages():
        for instruction, arguments in stage:
            if instruction in ("ENV", "ARG"):
                names = [a.partition("=")[0] for a in shlex.split(arguments)]
                assert not [n for n in names if re.search("KEY|SECRET|TOKEN|PASSWORD", n)]
            if instruction not in ("COPY", "ADD"):
                continue
            words = [w for w in shlex.split(arguments) if not w.startswith("--")]
            if any(w.startswith("--from") for w in shlex.split(arguments)):
                continue
            for source in words[:-1]:
                name = PurePosixPath(source).name.lower()
                allowed = name == "pyproject.toml"
                assert allowed or not any(fnmatch(name, p) for p in secret_like), source


def test_build_context_lets_in_only_what_the_image_copies() -> None:
    """The allow-list ignore file sends nothing else (keys, configs, .venv) to the builder, and
    everything the Dockerfile copies exists and is let in."""
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [line.strip() for line in ignore if line.strip() and not line.startswith("#")]
    assert patterns[0] == "*"
    allowed = {p.lstrip("!").rstrip("/") for p in patterns if p.startswith("!")}
    for stage in dockerfile_stages():
        for instruction, arguments in stage:
            words = shlex.split(arguments)
            if instruction != "COPY" or any(w.startswith("--from") for w in words):
                continue
            for source in [w for w in words if not w.startswith("--")][:-1]:
                assert (ROOT / source).exists(), source
                assert source.rstrip("/") in allowed, source


# --- Kubernetes ----------------------------------------------------------------------------


def kubernetes() -> dict[str, dict[str, Any]]:
    documents = yaml.safe_load_all((DEPLOY / "kubernetes" / "cronjob.yaml").read_text("utf-8"))
    by_kind: dict[str, dict[str, Any]] = {}
    for document in documents:
        if document:
            assert document["kind"] not in by_kind, "one of each kind"
            by_kind[document["kind"]] = document
    return by_kind


def cronjob() -> dict[str, Any]:
    return kubernetes()["CronJob"]


def job_spec() -> dict[str, Any]:
    return cronjob()["spec"]["jobTemplate"]["spec"]


def pod_spec() -> dict[str, Any]:
    return job_spec()["template"]["spec"]


def tutorsync_container() -> dict[str, Any]:
    [container] = [c for c in pod_spec()["containers"] if c["name"] == "tutorsync"]
    return container


def container_env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {variable["name"]: variable for variable in container.get("env", [])}


def test_cronjob_never_overlaps_and_gives_up_on_late_starts() -> None:
    spec = cronjob()["spec"]
    assert CRON_SCHEDULE.fullmatch(spec["schedule"])
    assert spec["concurrencyPolicy"] == "Forbid"
    assert isinstance(spec["startingDeadlineSeconds"], int)
    # A hung run ends before the next start, or Forbid would skip it.
    assert 0 < job_spec()["activeDeadlineSeconds"] < 24 * 3600


def test_cronjob_shards_by_completion_index() -> None:
    job = job_spec()
    env = container_env(tutorsync_container())
    assert job["completionMode"] == "Indexed"
    assert env["TUTORSYNC_SHARD_COUNT"]["value"] == str(job["completions"])
    assert 1 <= job["parallelism"] <= job["completions"]
    assert env["TUTORSYNC_RUN_ID"]["valueFrom"]["fieldRef"]["fieldPath"] == (
        "metadata.labels['batch.kubernetes.io/job-name']"
    )


def test_cronjob_runs_a_command_tutorsync_accepts() -> None:
    container = tutorsync_container()
    assert "command" not in container  # the image's ENTRYPOINT, tutorsync
    env = {name: v["value"] for name, v in container_env(container).items() if "value" in v}
    for name in container_env(container):
        assert variable_problem(name) is None, name
    assert cli_problem(container["args"], env) is None
    assert env.get("TUTORSYNC_LOG_FORMAT") == "json" or "json" in container["args"]


def test_cronjob_pods_run_as_the_images_non_root_user_with_a_read_only_root() -> None:
    pod = pod_spec()
    context = pod["securityContext"]
    assert context["runAsNonRoot"] is True
    assert f"{context['runAsUser']}:{context['runAsGroup']}" == image_user()
    assert pod["automountServiceAccountToken"] is False
    for container in pod["containers"] + pod.get("initContainers", []):
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True, container["name"]
        assert security["allowPrivilegeEscalation"] is False, container["name"]
        assert security["capabilities"]["drop"] == ["ALL"], container["name"]
        assert container["resources"]["requests"], container["name"]
        assert container["resources"]["limits"]["memory"], container["name"]


def test_cronjob_lock_folder_is_a_writable_volume() -> None:
    """With a read-only root, a Google program's lock ($XDG_RUNTIME_DIR, else /tmp) needs a
    volume, or the run cannot lock."""
    container = tutorsync_container()
    lock_folder = container_env(container).get("XDG_RUNTIME_DIR", {}).get("value", "/tmp")
    volumes = {v["name"]: v for v in pod_spec()["volumes"]}
    [mount] = [m for m in container["volumeMounts"] if m["mountPath"] == lock_folder]
    assert not mount.get("readOnly")
    assert "emptyDir" in volumes[mount["name"]]


def test_cronjob_key_comes_from_a_secret_mounted_0400_read_only() -> None:
    pod = pod_spec()
    secrets = {v["name"]: v["secret"] for v in pod["volumes"] if "secret" in v}
    assert secrets
    for secret in secrets.values():
        assert secret["defaultMode"] == 0o400  # `0400` in YAML 1.1 is octal
    for container in pod["containers"] + pod.get("initContainers", []):
        for mount in container.get("volumeMounts", []):
            if mount["name"] in secrets:
                assert mount["readOnly"] is True, container["name"]
    assert "Secret" not in kubernetes(), "a placeholder Secret would overwrite the real key"


def test_cronjob_configs_are_programs_whose_key_file_the_pod_mounts() -> None:
    configmap = kubernetes()["ConfigMap"]
    container = tutorsync_container()
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod_spec()["volumes"]}
    config_dir = container["args"][container["args"].index("--config-dir") + 1]
    assert (
        volumes[mounts[config_dir]["name"]]["configMap"]["name"] == (configmap["metadata"]["name"])
    )
    assert mounts[config_dir]["readOnly"] is True
    for name, text in configmap["data"].items():
        settings = parse(tomllib.loads(text), config_dir=Path(config_dir), origin=name)
        google = settings.workspace.google
        if google and google.key_file:
            key = PurePosixPath(google.key_file)
            [key_mount] = [m for path, m in mounts.items() if key.parent == PurePosixPath(path)]
            assert key_mount["readOnly"] is True


# --- Cloud Run -----------------------------------------------------------------------------


def script_commands(path: Path) -> list[list[str]]:
    """Every command of a shell script, comments dropped and continuations joined, as words."""
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    commands = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        for _, words in shell_commands(line):
            if words:
                commands.append(words)
    return commands


def flags(words: Sequence[str]) -> dict[str, str]:
    """--name value and --name=value pairs (a flag without a value maps to '')."""
    found: dict[str, str] = {}
    for index, word in enumerate(words):
        if not word.startswith("--"):
            continue
        name, equals, value = word.partition("=")
        following = words[index + 1] if index + 1 < len(words) else "--"
        found[name] = value if equals else ("" if following.startswith("--") else following)
    return found


def gcloud(*prefix: str) -> list[list[str]]:
    return [
        words
        for words in script_commands(DEPLOY / "cloudrun.sh")
        if words[: len(prefix)] == list(prefix)
    ]


def test_cloud_run_script_is_valid_bash() -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash here")
    checked = subprocess.run(
        [bash, "-n", str(DEPLOY / "cloudrun.sh")], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr


def test_cloud_run_job_runs_sharded_tasks_with_retries_and_a_command_tutorsync_accepts() -> None:
    [deploy] = gcloud("gcloud", "run", "jobs", "deploy")
    options = flags(deploy)
    for required in ("--tasks", "--max-retries", "--task-timeout", "--image"):
        assert options.get(required), required
    env = dict(
        assignment.partition("=")[::2]
        for assignment in options.get("--set-env-vars", "").split(",")
        if assignment
    )
    for name in env:
        assert variable_problem(name) is None, name
    args = options["--args"].split(",")
    assert cli_problem(args, env) is None
    assert "json" in args or env.get("TUTORSYNC_LOG_FORMAT") == "json"


def test_cloud_run_key_is_a_secret_file_at_the_path_the_configs_name() -> None:
    [deploy] = gcloud("gcloud", "run", "jobs", "deploy")
    path, _, secret = flags(deploy)["--set-secrets"].partition("=")
    assert path.startswith("/"), "mounted as a file, not an environment variable"
    assert secret.endswith(":latest") or re.search(r":\d+$", secret)
    text = (DEPLOY / "cloudrun.sh").read_text(encoding="utf-8")
    assert f'key_file = "{path}"' in text


def test_cloud_scheduler_starts_the_job_with_an_oauth_identity() -> None:
    [schedule] = [w for w in gcloud("gcloud", "scheduler", "jobs") if "http" in w[3:5]]
    options = flags(schedule)
    assert CRON_SCHEDULE.fullmatch(options["--schedule"])
    assert options["--time-zone"]
    assert options["--http-method"] == "POST"
    assert re.fullmatch(r"https://run\.googleapis\.com/.*/jobs/\S+:run", options["--uri"])
    assert options["--oauth-service-account-email"]


# --- GitHub Actions ------------------------------------------------------------------------


def workflow() -> dict[Any, Any]:
    document = yaml.safe_load((DEPLOY / "github-actions.yml").read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def workflow_triggers() -> dict[str, Any]:
    document = workflow()
    # YAML 1.1 reads the key `on` as True; GitHub reads it as "on".
    return document.get("on", document.get(True))


def workflow_job_running(program: str) -> dict[str, Any]:
    """The workflow's one job with a step whose script contains `program`."""
    [job] = [
        job
        for job in workflow()["jobs"].values()
        if any(program in step.get("run", "") for step in job["steps"])
    ]
    return job


def test_workflow_runs_on_a_schedule_and_by_hand_never_two_at_once() -> None:
    triggers = workflow_triggers()
    assert all(CRON_SCHEDULE.fullmatch(entry["cron"]) for entry in triggers["schedule"])
    assert "workflow_dispatch" in triggers
    concurrency = workflow_job_running("tutorsync run")["concurrency"]
    assert concurrency["group"]
    assert concurrency["cancel-in-progress"] is False  # stopping a run halfway helps nobody


def test_workflow_runs_commands_tutorsync_accepts() -> None:
    document = workflow()
    runs = 0
    for job in document["jobs"].values():
        for step in job["steps"]:
            env = {**document.get("env", {}), **job.get("env", {}), **step.get("env", {})}
            script = step.get("run", "").replace("\\\n", " ")
            for line in script.splitlines():
                for assigned, words in shell_commands(line):
                    if (args := tutorsync_args(words)) is None:
                        continue
                    if args == ["--version"]:
                        assert "--version" in [o for p in cli.params for o in p.opts]
                        continue
                    runs += 1
                    for name in {**env, **assigned}:
                        assert variable_problem(name) is None, name
                    assert cli_problem(args, {**env, **assigned}) is None, line
                    assert "json" in args or env.get("TUTORSYNC_LOG_FORMAT") == "json"
    assert runs


def test_workflow_writes_the_key_owner_only_and_removes_it() -> None:
    steps = [step for job in workflow()["jobs"].values() for step in job["steps"]]
    scripts = [step.get("run", "") for step in steps]
    # Secrets reach scripts through env, never pasted into the script text.
    assert not [s for s in scripts if "${{ secrets." in s]
    [writer] = [step for step in steps if "secrets." in json.dumps(step.get("env", {}))]
    assert "umask 077" in writer["run"] and "chmod 0400" in writer["run"]
    key_path = re.search(r"> (\S+)", writer["run"])
    assert key_path
    assert [
        step
        for step in steps
        if f"rm -f {key_path[1]}" in step.get("run", "") and step.get("if") == "always()"
    ], "the key is removed even when the run fails"
    header = (DEPLOY / "github-actions.yml").read_text(encoding="utf-8")
    assert f'key_file = "{key_path[1]}"' in header


def pip_installs(script: str) -> list[list[str]]:
    """The words after `pip install` of each pip install in a shell script."""
    installs = []
    for line in script.replace("\\\n", " ").splitlines():
        for _, words in shell_commands(line):
            names = [PurePosixPath(word).name for word in words]
            if "install" in words and any(re.fullmatch(r"pip3?", name) for name in names):
                installs.append(words[words.index("install") + 1 :])
    return installs


def checkout_path(steps: Sequence[dict[str, Any]], repository: str) -> str:
    [checkout] = [
        s
        for s in steps
        if s.get("uses", "").startswith("actions/checkout@")
        and s.get("with", {}).get("repository") == repository
    ]
    return checkout["with"].get("path", ".")


def test_workflow_run_installs_a_release_with_the_locked_versions() -> None:
    """The weekday run: the lock with hashes checked, then tutorsync alone, in a virtualenv of
    its own; the release pinned, never a branch."""
    job = workflow_job_running("tutorsync run")
    source = checkout_path(job["steps"], "example-org/tutorsync")
    [ref] = [s["with"]["ref"] for s in job["steps"] if "ref" in s.get("with", {})]
    assert re.fullmatch(r"v\d+\.\d+\.\d+", ref), ref
    [install] = [s for s in job["steps"] if pip_installs(s.get("run", ""))]
    [locked, package] = pip_installs(install["run"])
    assert "--require-hashes" in locked
    assert locked[locked.index("-r") + 1] == f"{source}/requirements/lock.txt"
    assert "--no-deps" in package and package[-1].rstrip("/") in (source, f"./{source}")
    assert "python -m venv" in install["run"]
    assert (ROOT / "requirements" / "lock.txt").is_file()


def test_workflow_tests_the_newest_allowed_versions_weekly_without_the_lock() -> None:
    """A breaking upstream release fails a check on a weekend, not a run on a school
    morning: the suite on the newest versions pyproject.toml allows, once a week."""
    jobs = workflow()["jobs"]
    newest = workflow_job_running("pytest")
    weekly = [
        entry["cron"]
        for entry in workflow_triggers()["schedule"]
        if re.fullmatch(r"\S+ \S+ \* \* [0-6]", entry["cron"])
    ]
    [cron] = [c for c in weekly if f"'{c}'" in newest["if"]]
    assert newest["if"] == f"github.event.schedule == '{cron}'"
    for name, job in jobs.items():
        if job != newest:
            assert job["if"] == f"github.event.schedule != '{cron}'", name
    steps = newest["steps"]
    [install] = [s for s in steps if pip_installs(s.get("run", ""))]
    tutorsync = [words for words in pip_installs(install["run"]) if "-e" in words]
    assert tutorsync == [["--upgrade", "--upgrade-strategy", "eager", "-e", ".[dev]"]]
    assert "lock" not in install["run"]
    [test] = [s for s in steps if "pytest" in s.get("run", "")]
    deselected = "tests/test_install.py::test_environment_holds_exactly_the_locked_versions"
    assert test["run"].split() == [".venv/bin/pytest", "-q", "--deselect", deselected]
    assert deselected.partition("::")[2] in (ROOT / "tests" / "test_install.py").read_text(
        encoding="utf-8"
    )
    # The same release the weekday run installs.
    refs = {
        step["with"]["ref"]
        for job in jobs.values()
        for step in job["steps"]
        if step.get("with", {}).get("repository") == "example-org/tutorsync"
    }
    assert len(refs) == 1


# --- installing ----------------------------------------------------------------------------


def test_image_installs_the_locked_versions_then_tutorsync_alone() -> None:
    """The build stage installs requirements/lock.txt with every hash checked, copied in from
    the repository, then tutorsync with --no-deps: nothing unlocked reaches the image."""
    build = dockerfile_stages()[0]
    copied = {}
    for instruction, arguments in build:
        words = shlex.split(arguments)
        if instruction == "COPY" and not any(w.startswith("--from") for w in words):
            *sources, destination = words
            for source in sources:
                copied[str(PurePosixPath("/src") / destination)] = source
    installs = [
        words
        for instruction, arguments in build
        if instruction == "RUN"
        for words in pip_installs(arguments)
    ]
    [locked, package] = installs
    assert "--require-hashes" in locked
    lock = locked[locked.index("-r") + 1]
    assert copied[str(PurePosixPath("/src") / lock)] == "requirements/lock.txt"
    assert (ROOT / "requirements" / "lock.txt").is_file()
    assert "--no-deps" in package and package[-1] == "."
    assert dict(build)["WORKDIR"] == "/src"


@pytest.mark.parametrize("name", ["crontab", "systemd/tutorsync.service"])
def test_install_instructions_use_the_lock(name: str) -> None:
    """The commented install steps of the examples that run from a virtualenv: each pip
    install is of the lock, hashes checked, or of tutorsync alone."""
    commands = []
    for line in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
        if "pip install" in line:
            quoted = re.findall(r"`([^`]*pip install[^`]*)`", line)
            commands += quoted or [line.lstrip("# ")]
    installs = pip_installs("\n".join(commands))
    assert len(installs) >= 2
    for words in installs:
        locked = "--require-hashes" in words and "requirements/lock.txt" in words
        assert locked or "--no-deps" in words, words


# --- all of deploy/ ------------------------------------------------------------------------


def deploy_files() -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*") if p.is_file())


def test_deploy_readme_links_every_example_and_nothing_missing() -> None:
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    links = set(re.findall(r"\]\(([^)#]+)\)", readme))
    for link in links:
        assert (DEPLOY / link).is_file(), link
    examples = {p.relative_to(DEPLOY).as_posix() for p in deploy_files()} - {"README.md"}
    assert examples <= links


@pytest.mark.parametrize("path", deploy_files(), ids=lambda p: p.relative_to(DEPLOY).as_posix())
def test_examples_hold_placeholders_not_real_accounts_or_keys(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "PRIVATE KEY" not in text
    for address in re.findall(r"[\w.$+-]+@[\w.$-]+\.[a-z]+", text):
        domain = address.rpartition("@")[2]
        placeholder = domain.endswith(("example.org", "example.com", "example"))
        service_account = re.fullmatch(r"(\$PROJECT|my-project)\.iam\.gserviceaccount\.com", domain)
        assert placeholder or service_account, address
