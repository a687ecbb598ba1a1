"""Migrations at start-up (AUTO_MIGRATE) leave the app's logging alone and print nothing."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(tmp_path, *args):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FLASK_APP": "wsgi",
           "IMPRINT_INSTANCE_PATH": str(tmp_path / "instance"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}", "AUTO_MIGRATE": "true"}
    env.pop("TEST_DATABASE_URL", None)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_generation_log_lines_survive_the_start_up_migration(tmp_path):
    script = ("import logging, json, wsgi; "
              "logging.getLogger('imprint.generations').info(json.dumps({'event': 'generation'}))")
    result = _run(tmp_path, "-c", script)
    assert result.returncode == 0, result.stderr
    assert '{"event": "generation"}' in result.stderr
    assert "alembic" not in result.stderr


def test_cli_commands_print_no_alembic_lines(tmp_path):
    result = _run(tmp_path, "-m", "flask", "cleanup")
    assert result.returncode == 0, result.stderr
    assert "alembic" not in result.stdout + result.stderr
    assert "generation_logs" in result.stdout
