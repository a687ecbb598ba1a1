"""Long commands: a progress bar on a terminal, quiet lines otherwise, one summary line at the end."""

import os
import pty
import re
import select
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.factories import make_image, make_og

ROOT = Path(__file__).resolve().parents[2]
SUMMARY = re.compile(r" in \d+\.\ds$")


def ago(**delta):
    return datetime.now(UTC) - timedelta(**delta)


def _env(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FLASK_APP": "wsgi", "AUTO_MIGRATE": "true",
           "IMPRINT_INSTANCE_PATH": str(tmp_path / "instance"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    env.pop("TEST_DATABASE_URL", None)
    return env


def _on_a_terminal(args, env):
    """Run a command with its stdout on a pseudo-terminal; its whole output."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(args, stdout=follower, stderr=follower, stdin=subprocess.DEVNULL,
                               cwd=ROOT, env=env)
    os.close(follower)
    output = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the follower side closed: the command ended
            break
        if not chunk:
            break
        output += chunk
    process.wait(timeout=120)
    os.close(leader)
    return process.returncode, output.decode(errors="replace")


def test_prompts_seed_shows_a_bar_on_a_terminal_and_not_in_a_pipe(tmp_path):
    args = [sys.executable, "-m", "flask", "prompts", "seed"]
    code, on_terminal = _on_a_terminal(args, _env(tmp_path))
    assert code == 0, on_terminal
    assert "seeding prompts" in on_terminal and re.search(r"\b(\d+)/\1\b", on_terminal)
    piped = subprocess.run(args, cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0, piped.stderr
    assert "seeding prompts" not in piped.stdout + piped.stderr and "%" not in piped.stdout
    last = piped.stdout.strip().splitlines()[-1]
    assert last.startswith("0 created, 0 updated,") and SUMMARY.search(last), last


def test_cleanup_ends_with_one_summary_line(app):
    with app.app_context():
        for days in (100, 120, 1):
            make_og(seed="old", created_at=ago(days=days))
    result = app.test_cli_runner().invoke(args=["cleanup", "--days", "90"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert "deleted 2 og_generations row(s) older than 90 days" in lines
    assert lines[-1].startswith("cleanup: deleted 2 row(s) in 3 tables") and SUMMARY.search(lines[-1])
    assert "deleting expired events" not in result.output  # not a terminal: no bar


def test_cleanup_images_and_rollup_end_with_a_summary(app):
    with app.app_context():
        make_image(created_at=ago(days=40))
    runner = app.test_cli_runner()
    images = runner.invoke(args=["cleanup-images", "--older-than-days", "30"])
    rollup = runner.invoke(args=["history", "rollup"])
    assert images.exit_code == 0 and rollup.exit_code == 0, images.output + rollup.output
    assert images.output.strip().splitlines()[-1].startswith("deleted 1 image(s)")
    assert rollup.output.strip().splitlines()[-1].startswith("rollup: ")
    assert SUMMARY.search(images.output.strip()) and SUMMARY.search(rollup.output.strip())


def test_history_export_keeps_stdout_for_the_rows(app):
    with app.app_context():
        make_og(seed="exported", created_at=ago(hours=1))
    result = app.test_cli_runner().invoke(args=["history", "export", "og-generations", "--format", "jsonl"])
    assert result.exit_code == 0
    assert '"seed": "exported"' in result.stdout
    assert "exported" not in result.stdout.replace('"seed": "exported"', "")  # the summary is not a row
    assert "exported 1 og-generations row(s) as jsonl" in result.stderr


def test_tracking_replay_shows_a_bar_on_a_terminal_and_ends_with_a_summary(tmp_path):
    from app.tracking import spool
    from app.tracking.events import make_event

    env = _env(tmp_path)
    path = str(tmp_path / "instance" / "tracking-spool.jsonl")
    env["TRACKING_SPOOL_PATH"] = path
    events = [make_event("og_generation", {"seed": f"replayed-{n}", "aspect_ratio": "default"}) for n in range(3)]
    spool.append(path, events)
    code, on_terminal = _on_a_terminal([sys.executable, "-m", "flask", "tracking", "replay"], env)
    assert code == 0, on_terminal
    assert "replaying spooled events" in on_terminal and re.search(r"\]\s+3/3", on_terminal), on_terminal
    last = on_terminal.strip().splitlines()[-1]
    assert last.startswith(f"replayed 3 event(s) from {path}") and SUMMARY.search(last), last
    spool.append(path, events)  # again, not on a terminal: no bar, the same summary (duplicates dropped)
    piped = subprocess.run([sys.executable, "-m", "flask", "tracking", "replay"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0, piped.stderr
    assert "replaying spooled events" not in piped.stdout + piped.stderr
    assert SUMMARY.search(piped.stdout.strip().splitlines()[-1])
