"""Helpers for the tracking tests: closed ports, row counts, worker processes."""

import os
import signal
import subprocess
import sys

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.extensions import db
from tests.support import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def unreachable_database_url(app):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return f"postgresql://postgres@127.0.0.1:{free_port()}/down"
    return "sqlite:////nonexistent-imprint-dir/down.db"


def count(app, model, **where):
    with app.app_context(), Session(db.engine) as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.scalar(query)


def worker_env(app, **extra):
    config = app.config
    env = {
        **os.environ,
        "DATABASE_URL": config["DATABASE_URL"],
        "REDIS_URL": config.get("REDIS_URL") or "",
        "IMPRINT_INSTANCE_PATH": app.instance_path,
        "AUTO_MIGRATE": "false",
        "SECRET_KEY": "test-secret",
        "STORAGE_ROOT": config["STORAGE_ROOT"],
        "QUOTA_COUNTERS_PATH": config.get("QUOTA_COUNTERS_PATH") or "",
        "TRACKING_SPOOL_PATH": config["TRACKING_SPOOL_PATH"],
        "TRACKING_BATCH_SIZE": str(config["TRACKING_BATCH_SIZE"]),
        "TRACKING_CLAIM_TIMEOUT": str(config["TRACKING_CLAIM_TIMEOUT"]),
        "TRACKING_REPLAY_INTERVAL": str(config["TRACKING_REPLAY_INTERVAL"]),
    }
    env.update({name: str(value) for name, value in extra.items()})
    return env


def flask_command(*args):
    return [sys.executable, "-m", "flask", "--app", "wsgi", *args]


def run_burst_worker(app, **extra):
    """``flask tracking worker --burst`` in a subprocess: drains the queue, then exits."""
    result = subprocess.run(flask_command("tracking", "worker", "--burst"), cwd=ROOT,
                            env=worker_env(app, **extra), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def start_worker(app, **extra):
    return subprocess.Popen(flask_command("tracking", "worker"), cwd=ROOT, env=worker_env(app, **extra),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def stop(process, sig=signal.SIGTERM):
    if process.poll() is None:
        process.send_signal(sig)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
