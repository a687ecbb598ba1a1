"""The operator kit in docs/deploy: alerting rules promtool accepts and tests, a dashboard over real series."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support import require_service

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "deploy"
RULES = DEPLOY / "prometheus" / "imprint-alerts.yml"
DASHBOARD = DEPLOY / "grafana" / "imprint-dashboard.json"
SERIES = re.compile(r"\bimprint_[a-z_]+")


@pytest.fixture
def promtool():
    found = shutil.which("promtool")
    if found is None:
        require_service("promtool", "not installed (Debian's prometheus package; .ci/run installs it)")
    return found


def dashboard_exprs():
    return [target["expr"] for panel in json.loads(DASHBOARD.read_text())["panels"] for target in panel["targets"]]


def test_alerting_rules_pass_promtool_check_and_their_unit_tests(promtool):
    checked = subprocess.run([promtool, "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = subprocess.run([promtool, "test", "rules", "imprint-alerts.test.yml"], cwd=RULES.parent,
                            capture_output=True, text=True, timeout=60)
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_dashboard_queries_are_valid_promql(promtool, tmp_path):
    # promtool parses PromQL only inside rule files: each panel query becomes a recording rule.
    rules = [{"record": f"imprint:dashboard_query_{i}", "expr": expr.replace("$__rate_interval", "5m")}
             for i, expr in enumerate(dashboard_exprs())]
    path = tmp_path / "dashboard-rules.yml"
    path.write_text(json.dumps({"groups": [{"name": "dashboard", "rules": rules}]}))  # JSON is YAML
    checked = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_every_series_the_kit_names_is_one_metrics_serves(client):
    client.get("/og?seed=kit").close()
    assert client.post("/ai/generate", json={"prompt": "a kit", "size": "256x256"}).status_code == 201
    families = list(text_string_to_metric_families(client.get("/metrics").get_data(as_text=True)))
    served = {family.name for family in families} | {sample.name for family in families for sample in family.samples}
    named = set(SERIES.findall(RULES.read_text())) | {name for expr in dashboard_exprs() for name in SERIES.findall(expr)}
    assert len(named) > 12
    assert named - served == set()
