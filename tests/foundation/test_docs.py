"""The documentation: the configuration page agrees with app/config.py, the site builds
with every internal link and anchor resolved, and the README leads to every page."""

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import SETTINGS
from app.config_docs import PROCESS_SETTINGS, documented_names, render_markdown

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def test_configuration_page_is_generated_from_the_settings_table():
    page = (DOCS / "configuration.md").read_text(encoding="utf-8")
    assert page == render_markdown(), (
        "docs/configuration.md is stale: run `python -m app.config_docs > docs/configuration.md`")


def test_env_example_lists_every_setting_and_is_generated():
    from app.config_docs import render_env_example

    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert example == render_env_example(), (
        ".env.example is stale: run `python -m app.config_docs --env > .env.example`")
    listed = set(re.findall(r"^#([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    assert set(SETTINGS) <= listed


def test_the_env_example_read_as_a_env_file_sets_nothing(tmp_path):
    from dotenv import dotenv_values

    assert dotenv_values(ROOT / ".env.example") == {}  # all commented out: copying it changes no default


def test_every_setting_is_described_once_and_nothing_else():
    names = documented_names()
    assert sorted(set(names)) == sorted(names), "a setting is described twice in app/config_docs.py"
    assert set(SETTINGS) - set(names) == set(), "settings without a line in app/config_docs.py"
    assert set(names) - set(SETTINGS) == set(), "app/config_docs.py describes settings config.py lacks"


def test_every_variable_gunicorn_conf_reads_is_on_the_page():
    source = (ROOT / "gunicorn.conf.py").read_text(encoding="utf-8")
    read = set(re.findall(r"environ\.get\(\"([A-Z_]+)\"", source))
    assert read and read <= {name for name, _, _ in PROCESS_SETTINGS}


def test_docs_site_builds_with_every_link_resolved(tmp_path):
    if importlib.util.find_spec("mkdocs") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("mkdocs is not installed (it is in the test extra)")
        pytest.skip("mkdocs is not installed (pip install '.[docs]')")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
         "-d", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "site" / "configuration" / "index.html").exists()


def test_readme_is_short_and_links_to_every_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode("utf-8")) < 15_000
    linked = set(re.findall(r"\]\((docs/[^)#]+)", readme))
    for target in linked:
        assert (ROOT / target).exists(), f"README links to a missing file: {target}"
    pages = {f"docs/{page.name}" for page in DOCS.glob("*.md")}
    assert pages - linked == set(), "docs pages the README's map does not link"


def test_env_example_names_only_real_settings_and_every_provider():
    from app.doctor import PROVIDER_SETTINGS

    example = (DOCS / "deploy" / "imprint.env.example").read_text(encoding="utf-8")
    named = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    known = set(SETTINGS) | {name for name, _, _ in PROCESS_SETTINGS}
    assert named - known == set(), "the env example names settings that do not exist"
    for url_setting, key_setting in PROVIDER_SETTINGS.values():
        assert {url_setting, key_setting or url_setting} <= named


def test_every_address_the_readme_shows_answers(client, admin_key):
    """The tour's GET addresses (curl lines and links) answer 200 on a fresh app with an admin key."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    base = "http://127.0.0.1:5000"
    paths = {url[len(base):] or "/" for url in re.findall(rf"<({re.escape(base)}/[^>]*)>", readme)}
    for line in readme.splitlines():
        if "curl " in line and not re.search(r"-X POST|-F |-d ", line):  # -F and -d make curl POST
            paths.update(url[len(base):] for url in re.findall(rf"{re.escape(base)}/[^\s'\"]*", line))
    assert {"/og/hello.png?quote=Ship+it&author=Ada", "/history/logs?limit=1", "/dashboard/login"} <= paths
    _user_id, key = admin_key
    for path in sorted(paths):
        assert client.get(path, headers={"Authorization": f"Bearer {key}"}).status_code == 200, path


def test_readme_sets_only_real_settings():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"\b([A-Z][A-Z0-9_]{2,})=(?!\$\()", readme))  # not KEY=$(…)
    known = set(SETTINGS) | {name for name, _, _ in PROCESS_SETTINGS}
    assert named and named - known == set()


def test_every_generation_body_the_readme_shows_is_accepted(client, admin_key):
    """The tour's and the quickstarts' ``POST /ai/generate`` bodies are valid (here, procedural draws them)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    bodies = re.findall(r"/ai/generate [^`]*?-d '(\{[^']*\})'", readme)
    assert len(bodies) >= 5
    _user_id, key = admin_key
    for body in bodies:
        answer = client.post("/ai/generate", json=json.loads(body), headers={"Authorization": f"Bearer {key}"})
        assert answer.status_code == 201, (body, answer.get_json())
