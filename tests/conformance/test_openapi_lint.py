"""The API document passes Redocly's recommended rules, and a generated client reads real answers."""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support import bearer, require_service

ROOT = Path(__file__).resolve().parents[2]
# .ci/run installs the pinned @redocly/cli here (gitignored); `npm install --prefix .ci/tools` does it by hand.
REDOCLY = ROOT / ".ci" / "tools" / "node_modules" / ".bin" / "redocly"
OFFLINE = {"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}


def test_redocly_recommended_rules_find_no_error(client, tmp_path):
    if not REDOCLY.exists():
        require_service("redocly", "@redocly/cli is not installed (.ci/run installs it with npm)")
    (tmp_path / "openapi.json").write_text(json.dumps(client.get("/openapi.json").json))
    result = subprocess.run([str(REDOCLY), "lint", "openapi.json", "--extends", "recommended", "--format", "json"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300, env={**os.environ, **OFFLINE})
    report = json.loads(result.stdout)
    errors = [f"{p['ruleId']}: {p['message']} at {p['location'][0]['pointer']}"
              for p in report["problems"] if p["severity"] == "error"]
    assert errors == [] and result.returncode == 0, "\n".join(errors) or result.stderr


def test_generated_python_client_reads_the_template_list(client, admin_key, tmp_path):
    generator = Path(sys.executable).with_name("openapi-python-client")
    if not generator.exists():
        require_service("openapi-python-client", "not installed (the test extra)")
    (tmp_path / "openapi.json").write_text(json.dumps(client.get("/openapi.json").json))
    result = subprocess.run([str(generator), "generate", "--path", str(tmp_path / "openapi.json"),
                             "--output-path", str(tmp_path / "imprint_client"), "--meta", "none"],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    made = client.post("/og/templates", headers=bearer(admin_key[1]),
                       json={"name": "acme", "layout": "article", "defaults": {"site": "acme.test"}})
    assert made.status_code == 201, made.get_json()
    answer = client.get("/og/templates")
    (tmp_path / "answer.json").write_text(answer.get_data(as_text=True))
    # The generated client's own parsing of the 200, in a fresh interpreter: a Template list, not an Error.
    script = """
import json, httpx
from imprint_client import Client
from imprint_client.api.og_templates import og_templates_templates_get as operation
from imprint_client.models import Template, TemplateList
parsed = operation._parse_response(client=Client(base_url="http://x"),
                                   response=httpx.Response(200, content=open("answer.json", "rb").read()))
assert isinstance(parsed, TemplateList), type(parsed)
[template] = parsed.items
assert isinstance(template, Template) and template.defaults.site == "acme.test", template
print(template.name)
"""
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stdout.strip() == "acme", run.stdout + run.stderr
