"""A fresh clone with no settings creates instance/, migrates, and serves /healthz."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", "instance", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", "test-artifacts"}


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_fresh_checkout_starts_in_local_mode(tmp_path):
    clone = tmp_path / "imprint"
    shutil.copytree(ROOT, clone, ignore=lambda _dir, names: [n for n in names if n in SKIP or n.endswith(".egg-info")])
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DATABASE_", "REDIS_", "IMPRINT_", "TEST_", "STORAGE_", "FLASK_"))}
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(port)],
        cwd=clone, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        body = None
        deadline = time.monotonic() + 90  # a first start migrates a new database; a loaded machine is slow
        while body is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    body = response.read().decode()
            except OSError:
                time.sleep(0.1)
        assert body is not None, server.stdout.read1().decode() if server.poll() is not None else "no answer"
        assert '"database":{"detail":"sqlite","status":"ok"}' in body.replace(" ", "")
        assert (clone / "instance" / "imprint.db").exists()
    finally:
        server.terminate()
        server.wait(timeout=10)
