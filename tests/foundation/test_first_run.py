"""A first run is safe and stays configured: strangers don't spend a paid provider, settings live in .env."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_a_paid_provider_is_closed_to_callers_without_a_key(app, make_app):
    app = make_app(AI_PROVIDER="openai", OPENAI_API_KEY="sk-test", OPENAI_BASE_URL="http://127.0.0.1:9/v1",
                   ALLOW_ANONYMOUS=None)
    response = app.test_client().post("/ai/generate", json={"prompt": "a lighthouse"})
    assert response.status_code == 401
    assert app.config["ALLOW_ANONYMOUS"] is False


def test_a_provider_a_request_may_pick_counts_too(make_app):
    app = make_app(AI_PROVIDERS_ALLOWED="procedural,gemini", ALLOW_ANONYMOUS=None)
    assert app.config["ALLOW_ANONYMOUS"] is False


def test_the_offline_provider_stays_open_locally_and_the_operator_can_open_a_paid_one(app, make_app):
    assert make_app(ALLOW_ANONYMOUS=None).config["ALLOW_ANONYMOUS"] is True
    response = make_app(ALLOW_ANONYMOUS=None).test_client().post("/ai/generate", json={"prompt": "a lighthouse"})
    assert response.status_code in (200, 201)
    opened = make_app(AI_PROVIDER="openai", OPENAI_API_KEY="sk-test", ALLOW_ANONYMOUS=True)
    assert opened.config["ALLOW_ANONYMOUS"] is True


def test_exposure_warns_when_strangers_beyond_this_machine_can_generate():
    from app.config import exposure

    open_config = {"ALLOW_ANONYMOUS": True, "AI_PROVIDER": "procedural"}
    assert exposure(open_config, ["127.0.0.1:5000"])[1] is None
    assert exposure(open_config, ["[::1]:5000", "unix:/run/imprint.sock"])[1] is None
    line, warning = exposure(open_config, ["0.0.0.0:8000"])
    assert "anyone" in line and "0.0.0.0:8000" in warning
    assert exposure({**open_config, "ALLOW_ANONYMOUS": False}, ["0.0.0.0:8000"])[1] is None


def _env_file(directory, text):
    path = Path(directory) / "imprint.env"
    path.write_text(text)
    return path


def _environment(tmp_path, env_file, **extra):
    env = {key: value for key, value in os.environ.items()
           if key not in {"AI_PROVIDER", "ALLOW_ANONYMOUS", "IMPRINT_ENV", "DATABASE_URL", "REDIS_URL"}}
    env.update(IMPRINT_ENV_FILE=str(env_file), IMPRINT_INSTANCE_PATH=str(tmp_path / "instance"), **extra)
    return env


def test_flask_commands_read_the_env_file_and_the_environment_wins(tmp_path):
    env_file = _env_file(tmp_path, "# provider settings\nAI_PROVIDER=openai\nOPENAI_API_KEY=sk-from-file\n")
    doctor = [str(BIN / "flask"), "--app", "wsgi", "doctor"]
    from_file = subprocess.run(doctor, cwd=ROOT, env=_environment(tmp_path, env_file),
                               capture_output=True, text=True, timeout=120)
    assert "anonymous generation off" in from_file.stdout + from_file.stderr
    overridden = subprocess.run(doctor, cwd=ROOT, env=_environment(tmp_path, env_file, AI_PROVIDER="procedural"),
                                capture_output=True, text=True, timeout=120)
    assert "anonymous callers may generate" in overridden.stdout + overridden.stderr


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve_and_read_banner(tmp_path, env):
    process = subprocess.Popen([str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"], cwd=ROOT,
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line:
                break
            lines.append(line)
            if "Imprint: listening" in line:
                # the warning, if any, follows at once
                lines.append(process.stderr.readline())
                return "".join(lines)
        pytest.fail("gunicorn said nothing about who may generate:\n" + "".join(lines))
    finally:
        process.terminate()
        try:
            process.wait(timeout=90)  # workers still booting on a loaded machine stop when they are up
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_serve_reads_the_env_file_and_says_who_can_generate(tmp_path):
    pytest.importorskip("gunicorn")
    port = _free_port()
    env_file = _env_file(tmp_path, f"GUNICORN_BIND=0.0.0.0:{port}\nGUNICORN_WORKERS=1\nAI_PROVIDER=openai\n"
                                   "OPENAI_API_KEY=sk-from-file\n")
    banner = _serve_and_read_banner(tmp_path, _environment(tmp_path, env_file, GUNICORN_ACCESSLOG=""))
    assert f"0.0.0.0:{port}" in banner and "provider openai" in banner
    assert "callers with an API key" in banner and "WARNING" not in banner

    opened = _serve_and_read_banner(tmp_path, _environment(tmp_path, env_file, GUNICORN_ACCESSLOG="",
                                                           ALLOW_ANONYMOUS="true"))
    assert "anyone" in opened and "WARNING" in opened
