"""The README's local commands, run as a newcomer would: a fresh clone, `python3 manage.py serve`,
then every shell line of the first steps and the tour, verbatim but for the port, with curl failing
on any HTTP error."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
README_PORT = "127.0.0.1:5000"
# What a newcomer runs locally: from the two commands to the provider quickstarts (which need keys).
LOCAL_PART = re.compile(r"## Two commands(.*?)## Real providers", re.DOTALL)
NOT_HERE = ("manage.py serve", "manage.py test", "docker compose", "mkdocs", "pip install")


def local_commands(readme):
    """The README's shell lines from the first steps and the tour, in order (comments dropped)."""
    part = LOCAL_PART.search(readme).group(1)
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", part, re.DOTALL):
        joined = block.replace("\\\n", " ")
        lines += [line for line in joined.splitlines()
                  if line.strip() and not line.lstrip().startswith("#") and not any(n in line for n in NOT_HERE)]
    return lines


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_the_readme_commands_work_from_a_fresh_clone(tmp_path):
    if not (ROOT / ".git").exists() or not shutil.which("git") or not shutil.which("curl"):
        pytest.skip("needs a git checkout, git and curl")
    pytest.importorskip("gunicorn")
    clone = tmp_path / "imprint"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    address = f"127.0.0.1:{_free_port()}"
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("IMPRINT_", "DATABASE_URL", "REDIS_URL", "AI_", "STORAGE_", "GUNICORN_"))}
    env.update(GUNICORN_BIND=address, IMPRINT_ENV_FILE="")
    (clone / ".venv").symlink_to(sys.prefix)  # this run's environment, installed from the same pyproject.toml
    server = subprocess.Popen(["python3", "manage.py", "serve"], cwd=clone, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://{address}/", timeout=10).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):  # not up yet, or still starting its workers
                time.sleep(0.5)
        else:
            pytest.fail("serve did not answer within 120 s")
        commands = local_commands((clone / "README.md").read_text(encoding="utf-8"))
        assert any("users create" in line for line in commands) and any("/ai/generate" in line for line in commands)
        script = "set -euo pipefail\n" + "\n".join(line.replace(README_PORT, address) for line in commands)
        curl_home = tmp_path / "curl"
        curl_home.mkdir()
        (curl_home / ".curlrc").write_text("fail\nsilent\nshow-error\n")
        done = subprocess.run(["bash", "-c", script], cwd=clone, env={**env, "CURL_HOME": str(curl_home)},
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        assert (clone / "card.png").read_bytes().startswith(b"\x89PNG")
    finally:
        server.terminate()
        server.wait(timeout=60)
