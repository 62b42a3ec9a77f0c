"""The `reviewbot` console script, run as an operator runs it: a real process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REVIEWBOT = str(Path(sys.executable).parent / "reviewbot")
COMMANDS = [
    [],
    ["serve"],
    ["db"],
    ["db", "upgrade"],
    ["org"],
    ["org", "import"],
    ["templates"],
    ["templates", "list"],
    ["templates", "export"],
    ["templates", "import"],
]
ORG_CSV = """email,name,manager_email,role,timezone
bea@example.com,Bea Boss,,,Europe/Stockholm
maria@example.com,Maria Manager,bea@example.com,employee,Europe/Stockholm
alice@example.com,Alice Andersson,maria@example.com,,America/New_York
"""


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [REVIEWBOT, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "REVIEWBOT_"))}
    clean.pop("DATABASE_URL", None)
    return {**clean, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "COLUMNS": "120"}


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a) or "reviewbot")
def test_every_command_has_help(args: list[str], env: dict[str, str], tmp_path: Path) -> None:
    result = run([*args, "--help"], env, tmp_path)

    assert result.returncode == 0
    assert "Usage" in result.stdout


def test_bad_settings_are_each_named_and_exit_2(env: dict[str, str], tmp_path: Path) -> None:
    env = {**env, "REVIEWBOT_TIMEZONE": "Mars/Olympus", "REVIEWBOT_CHECKIN_AFTER_DAYS": "soon"}

    result = run(["db", "upgrade"], env, tmp_path)

    assert result.returncode == 2
    assert "REVIEWBOT_TIMEZONE" in result.stderr
    assert "REVIEWBOT_CHECKIN_AFTER_DAYS" in result.stderr


def test_serve_without_slack_credentials_names_them_and_exits_2(
    env: dict[str, str], tmp_path: Path
) -> None:
    result = run(["serve"], env, tmp_path)

    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr
    assert "SLACK_SIGNING_SECRET" in result.stderr


def test_org_import_then_reimport_reports_counts(env: dict[str, str], tmp_path: Path) -> None:
    chart = tmp_path / "org.csv"
    chart.write_text(ORG_CSV, encoding="utf-8")

    first = run(["org", "import", str(chart)], env, tmp_path)
    second = run(["org", "import", str(chart)], env, tmp_path)

    assert first.returncode == 0, first.stderr
    assert "3 created" in first.stdout
    assert "3 unchanged" in second.stdout


def test_org_import_with_errors_lists_file_and_line_and_writes_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    chart = tmp_path / "org.csv"
    chart.write_text(ORG_CSV + "not-an-email,Nobody,,,\nzed@example.com,Zed,ghost@example.com,,\n")

    failed = run(["org", "import", str(chart)], env, tmp_path)
    chart.write_text(ORG_CSV)
    after = run(["org", "import", str(chart)], env, tmp_path)

    assert failed.returncode == 2
    assert f"{chart}:5:" in failed.stderr
    assert f"{chart}:6:" in failed.stderr
    assert "3 created" in after.stdout


def test_templates_export_import_round_trip_makes_a_new_version_only_when_changed(
    env: dict[str, str], tmp_path: Path
) -> None:
    exported = run(["templates", "export", "development"], env, tmp_path)
    path = tmp_path / "development.yaml"
    path.write_text(exported.stdout, encoding="utf-8")

    same = run(["templates", "import", str(path)], env, tmp_path)
    path.write_text(exported.stdout.replace("Strengths", "What they do best", 1))
    changed = run(["templates", "import", str(path)], env, tmp_path)
    listed = run(["templates", "list"], env, tmp_path)

    assert exported.returncode == 0
    assert "version 1" in same.stdout
    assert "version 2" in changed.stdout
    assert "development" in listed.stdout
    assert "salary" in listed.stdout


def test_templates_import_refuses_a_development_template_that_asks_about_salary(
    env: dict[str, str], tmp_path: Path
) -> None:
    exported = run(["templates", "export", "development"], env, tmp_path).stdout
    path = tmp_path / "sneaky.yaml"
    path.write_text(exported.replace("Strengths", "Salary expectations", 1), encoding="utf-8")

    result = run(["templates", "import", str(path)], env, tmp_path)

    assert result.returncode == 2
    assert str(path) in result.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_migrates_and_answers_healthz(env: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    env = {**env, "SLACK_BOT_TOKEN": "xoxb-cli-test", "SLACK_SIGNING_SECRET": "cli-secret"}
    server = subprocess.Popen(
        [REVIEWBOT, "serve", "--host", "127.0.0.1", "--port", str(port), "--no-scheduler"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = _poll_health(port)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)

    assert body == '{"ok": true, "database": "ok"}'
    assert "xoxb-cli-test" not in output
    assert "cli-secret" not in output


def _poll_health(port: int) -> str:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                return answer.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serve_with_only_teams_configured_starts_without_slack(
    env: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    env = {**env, "TEAMS_ALLOW_UNAUTHENTICATED": "true"}
    server = subprocess.Popen(
        [REVIEWBOT, "serve", "--host", "127.0.0.1", "--port", str(port), "--no-scheduler"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = _poll_health(port)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)

    assert body == '{"ok": true, "database": "ok"}'
    assert "TEAMS_ALLOW_UNAUTHENTICATED" in output
