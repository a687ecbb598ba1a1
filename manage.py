#!/usr/bin/env python3
"""Imprint's two commands, with nothing but Python 3.11 installed.

    python3 manage.py serve     set up .venv (what serving needs), migrate, serve http://127.0.0.1:5000
    python3 manage.py test      add the test tools to .venv, run ruff and the whole test suite

``serve`` runs gunicorn with gunicorn.conf.py, one process of four threads unless
GUNICORN_WORKERS/GUNICORN_THREADS say otherwise; arguments after ``serve`` go to
gunicorn (``--bind 0.0.0.0:8000``), after ``test`` to pytest (``-k og -x``). The whole
suite runs on every core (pytest-xdist, a worker more than there are cores, idle workers taking
queued tests from busy ones) and lists its 20 slowest tests; a run of chosen tests, or one given
``-n``, runs as asked.
The server replaces this process, so stopping it (Ctrl-C, ``kill``) stops the server.
Each command installs its extras once and again only when pyproject.toml changes;
IMPRINT_VENV names another virtualenv to use instead of .venv.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("IMPRINT_VENV") or ROOT / ".venv")
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = str(BIN / "python")
DEFAULT_BIND = "127.0.0.1:5000"


def extras_closure(extras, optional):
    """The extras that installing ``extras`` brings, following ``imprint[...]`` references."""
    seen, todo = set(), list(extras)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for requirement in optional.get(name, []):
            found = re.fullmatch(r"imprint\[([^\]]+)\]", requirement.replace(" ", ""))
            if found:
                todo.extend(found.group(1).split(","))
    return seen


def stamp(extra):
    return VENV / f".imprint-{extra}"


def ensure_environment(extras):
    """Install the project with ``extras`` into the venv unless each is stamped for this pyproject.toml."""
    text = (ROOT / "pyproject.toml").read_bytes()
    digest = hashlib.sha256(text).hexdigest()
    if all(stamp(extra).exists() and stamp(extra).read_text() == digest for extra in extras):
        return
    if not Path(PYTHON).exists():
        print(f"creating {VENV} …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print(f"installing Imprint with {', '.join(extras)} into {VENV} (the first time: a minute or more) …", flush=True)
    subprocess.run([PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "-q",
                    "-e", f"{ROOT}[{','.join(extras)}]"], check=True)
    optional = tomllib.loads(text.decode("utf-8"))["project"].get("optional-dependencies", {})
    for extra in extras_closure(extras, optional):
        stamp(extra).write_text(digest)


def serve_extras(environ):
    """The server, plus the optional backends the settings in ``environ`` choose."""
    extras = ["server"]
    if (environ.get("DATABASE_URL") or "").startswith("postgres"):
        extras.append("postgres")
    if environ.get("STORAGE_BACKEND") == "s3":
        extras.append("s3")
    if environ.get("GEOIP_DATABASE_PATH"):
        extras.append("geo")
    return extras


def server_command(extra):
    return [PYTHON, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app", *extra]


def serve_environment(environ):
    env = {**environ, "FLASK_APP": "wsgi"}
    env.setdefault("GUNICORN_BIND", DEFAULT_BIND)
    env.setdefault("GUNICORN_WORKERS", "1")  # without Redis, rate limits are counted per process
    return env


def exec_server(argv, env):
    """Become the server: signals sent to this process reach it, and no child is left behind."""
    os.chdir(ROOT)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(argv[0], argv, env)


def settings_environment():
    """The environment over the settings file (.env, or IMPRINT_ENV_FILE), read with the venv's python-dotenv:
    the same precedence as the app's (a variable set in the environment wins)."""
    path = os.environ.get("IMPRINT_ENV_FILE", ".env")
    if not path or not (ROOT / path).is_file():
        return dict(os.environ)
    read = subprocess.run([PYTHON, "-c", "import json, sys, dotenv; print(json.dumps(dotenv.dotenv_values(sys.argv[1])))",
                           path], cwd=ROOT, check=True, capture_output=True, text=True)
    values = {name: value for name, value in json.loads(read.stdout).items() if value is not None}
    return {**values, **os.environ}


def serve(extra):
    environ = settings_environment()
    ensure_environment(serve_extras(environ))
    env = serve_environment(environ)
    code = subprocess.run([PYTHON, "-m", "flask", "db", "upgrade"], cwd=ROOT, env=env).returncode
    if code:
        return code
    if not any(arg.startswith(("-b", "--bind")) for arg in extra):
        print(f"Imprint at http://{env['GUNICORN_BIND']}/ — its page links the dashboard and the API docs;"
              " Ctrl-C stops it", flush=True)
    exec_server(server_command(extra), env)


def pytest_arguments(extra):
    """``extra`` for pytest; for the whole suite (no test paths, no ``-n``) plus workers and durations."""
    chosen = any(not arg.startswith("-") and (ROOT / arg.split("::")[0]).exists() for arg in extra)
    if chosen or any(arg == "-n" or arg.startswith("-n") or arg == "no:xdist" for arg in extra):
        return list(extra)
    return ["-n", str(test_workers()), "--dist", "worksteal", "--durations=20", *extra]


def test_workers():
    """One pytest worker more than there are cores, four at most.

    Many tests wait (on a browser, a gunicorn or worker process, a server's thread): the extra worker
    runs while they do. Four is as many as the tests' own Redis databases serve (two each)."""
    return min((os.cpu_count() or 1) + 1, 4)


def ensure_node_tools():
    """The test tools from the npm registry (package-lock.json), when npm is there: without it the
    tests that need them are skipped on a laptop (and fail in CI, whose .ci/run installs npm's)."""
    lock = ROOT / "package-lock.json"
    npm = shutil.which("npm")
    if not lock.exists() or not npm:
        return
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    marker = ROOT / "node_modules" / ".imprint-stamp"
    if marker.exists() and marker.read_text() == digest:
        return
    print("installing the test tools from package-lock.json (npm ci) …", flush=True)
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT, check=True)
    marker.write_text(digest)


def test(extra):
    ensure_node_tools()
    targets = [name for name in ("app", "tests", "bench", "manage.py", "wsgi.py") if (ROOT / name).exists()]
    code = subprocess.run([str(BIN / "ruff"), "check", *targets], cwd=ROOT).returncode
    if code:
        return code
    code = subprocess.run([PYTHON, "-m", "pytest", *pytest_arguments(extra)], cwd=ROOT).returncode
    return 0 if code == 5 and extra else code  # 5: a filter matched no test


COMMANDS = {"serve": (serve, ["server"]), "test": (test, ["dev"])}


def main(argv):
    if not argv or argv[0] not in COMMANDS:
        print(__doc__)
        return 2
    command, extras = COMMANDS[argv[0]]
    ensure_environment(extras)
    return command(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
