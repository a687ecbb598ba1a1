"""``manage.py``: serve installs only what serving needs, test adds the test tools, and the
server is the process ``manage.py serve`` started, so stopping that stops the server."""

import hashlib
import importlib.util
import os
import re
import signal
import subprocess
import sys
import sysconfig
import time
import tomllib
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
OPTIONAL = PYPROJECT["project"]["optional-dependencies"]


@pytest.fixture
def manage(tmp_path, monkeypatch):
    """manage.py imported with its virtualenv in tmp_path and pip recorded, not run."""
    spec = importlib.util.spec_from_file_location("manage_under_test", ROOT / "manage.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    monkeypatch.setattr(module, "VENV", venv)
    monkeypatch.setattr(module, "PYTHON", str(venv / "bin" / "python"))
    module.installs = []
    monkeypatch.setattr(module, "subprocess", SimpleNamespace(run=lambda args, **_: module.installs.append(args[-1])))
    return module


def requirement_names(manage, extras):
    """Distribution names that installing the project with ``extras`` asks for."""
    names = set()
    for extra in manage.extras_closure(extras, OPTIONAL):
        for requirement in OPTIONAL[extra]:
            names.add(re.split(r"[\[<>=; ]", requirement, maxsplit=1)[0].lower())
    return names


def test_serve_installs_the_server_and_no_test_tool(manage):
    extras = manage.serve_extras({})
    assert extras == ["server"]
    names = requirement_names(manage, extras)
    assert "gunicorn" in names
    assert names & {"pytest", "playwright", "moto", "schemathesis", "openai", "mkdocs"} == set()
    assert manage.serve_extras({"DATABASE_URL": "postgresql://db/imprint", "STORAGE_BACKEND": "s3"}) == [
        "server", "postgres", "s3"]


def test_each_command_installs_once_and_test_covers_serve(manage):
    manage.ensure_environment(["server"])
    manage.ensure_environment(["server"])
    assert manage.installs == [f"{ROOT}[server]"]
    manage.ensure_environment(["dev"])  # test adds its tools on top
    manage.ensure_environment(["dev"])
    manage.ensure_environment(["server"])  # serve after test: nothing to install
    assert manage.installs == [f"{ROOT}[server]", f"{ROOT}[dev]"]
    manage.ensure_environment(["server", "postgres"])  # dev brought postgres too
    assert len(manage.installs) == 2


def test_a_changed_pyproject_reinstalls(manage, tmp_path, monkeypatch):
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_bytes((ROOT / "pyproject.toml").read_bytes())
    monkeypatch.setattr(manage, "ROOT", project)
    manage.ensure_environment(["server"])
    (project / "pyproject.toml").write_bytes((ROOT / "pyproject.toml").read_bytes() + b"\n# changed\n")
    manage.ensure_environment(["server"])
    assert len(manage.installs) == 2


def borrowed_venv(target):
    """A virtualenv at ``target`` that uses this interpreter's packages, stamped as installed."""
    purelib = Path(sysconfig.get_paths()["purelib"])
    (target / "bin").mkdir(parents=True)
    (target / "pyvenv.cfg").write_text(f"home = {Path(sys._base_executable).parent}\n"
                                       "include-system-site-packages = false\n")
    (target / "bin" / "python").symlink_to(sys._base_executable)
    site = target / purelib.relative_to(sys.prefix)
    site.parent.mkdir(parents=True)
    site.symlink_to(purelib)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    (target / ".imprint-server").write_text(digest)
    return target


def descendants(pid):
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found + [grandchild for child in found for grandchild in descendants(child)]


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(sys.prefix == sys.base_prefix or not Path("/proc").is_dir(),
                    reason="needs a virtualenv to borrow and /proc")
def test_kill_of_manage_py_serve_stops_the_server(tmp_path):
    venv = borrowed_venv(tmp_path / "venv")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DATABASE_URL", "REDIS_URL", "IMPRINT_", "GUNICORN_", "STORAGE_"))}
    env.update(IMPRINT_VENV=str(venv), IMPRINT_INSTANCE_PATH=str(tmp_path / "instance"),
               XDG_RUNTIME_DIR=str(tmp_path))  # gunicorn's control socket, away from others'
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "serve", "--bind", "127.0.0.1:0"],
                                  cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    started = []
    try:
        deadline = time.monotonic() + 90
        while not (found := re.search(rb"Listening at: http://127\.0\.0\.1:(\d+)", log.read_bytes())):
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        port = int(found.group(1))
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as answer:
            assert answer.status == 200 and b"/dashboard/login" in answer.read(), log.read_text()
        started = descendants(server.pid)
        assert started, "no worker process: " + log.read_text()

        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0, log.read_text()
        for pid in started:
            deadline = time.monotonic() + 10
            while alive(pid):
                assert time.monotonic() < deadline, f"process {pid} outlived manage.py: {log.read_text()}"
                time.sleep(0.1)
    finally:
        for pid in [server.pid, *started]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        server.wait()


def test_the_whole_suite_runs_on_every_core_and_a_chosen_run_as_asked(manage):
    assert 2 <= manage.test_workers() <= 4  # a worker beside each core; the tests' Redis databases serve four
    workers = str(manage.test_workers())
    assert manage.pytest_arguments([]) == ["-n", workers, "--dist", "worksteal", "--durations=20"]
    assert manage.pytest_arguments(["-q", "-x"])[:2] == ["-n", workers]
    assert manage.pytest_arguments(["-q", "tests/og", "-x"]) == ["-q", "tests/og", "-x"]
    assert manage.pytest_arguments(["tests/og/test_http.py::test_head_has_the_headers_and_length_but_no_body"])[0] \
        == "tests/og/test_http.py::test_head_has_the_headers_and_length_but_no_body"
    assert manage.pytest_arguments(["-n", "2"]) == ["-n", "2"]
    assert manage.pytest_arguments(["-p", "no:xdist"]) == ["-p", "no:xdist"]
    assert "pytest-xdist" in requirement_names(manage, ["dev"])
