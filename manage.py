#!/usr/bin/env python3
"""Imprint's two commands, with nothing but Python 3.11 installed.

    python3 manage.py serve     set up .venv, migrate the local database, run on :5000
    python3 manage.py test      set up .venv, run ruff and the whole test suite

Anything after ``test`` goes to pytest; after ``serve``, to ``flask run``.
The virtualenv is (re)installed only when pyproject.toml changes.
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".imprint-installed"


def ensure_environment():
    """Create .venv and install the project with its extras when pyproject.toml changed."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    if not (BIN / "python").exists():
        print("creating .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    print("installing Imprint and its dependencies into .venv …", flush=True)
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(digest)


def run(*args, env=None):
    return subprocess.run(args, cwd=ROOT, env={**os.environ, **(env or {})}).returncode


def serve(extra):
    env = {"FLASK_APP": "wsgi"}
    code = run(str(BIN / "flask"), "db", "upgrade", env=env)
    if code:
        return code
    return run(str(BIN / "flask"), "run", *(extra or ["--port", "5000"]), env=env)


def test(extra):
    targets = [name for name in ("app", "tests", "bench", "manage.py", "wsgi.py") if (ROOT / name).exists()]
    code = run(str(BIN / "ruff"), "check", *targets)
    if code:
        return code
    code = run(str(BIN / "python"), "-m", "pytest", *extra)
    return 0 if code == 5 and extra else code  # 5: a filter matched no test


def main(argv):
    commands = {"serve": serve, "test": test}
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    ensure_environment()
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
