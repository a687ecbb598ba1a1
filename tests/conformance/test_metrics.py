"""/metrics as Prometheus reads it, OG card series in both sinks, CSV content types."""

import shutil
import socket
import subprocess

from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from tests.support import bearer, require_service


def _samples(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for s in family.samples}


def test_metrics_content_type_is_prometheus_clients_exactly(client):
    response = client.get("/metrics")
    assert response.headers["Content-Type"] == CONTENT_TYPE_LATEST
    assert response.headers["Content-Type"].count("charset") == 1


def test_metrics_pass_promtool_lint(client):
    client.get("/og?seed=lint").close()
    text = client.get("/metrics").get_data()
    promtool = shutil.which("promtool")
    if promtool is None:
        require_service("promtool", "not installed (Debian's prometheus package; .ci/run installs it)")
    result = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()


def test_og_cards_are_counted_by_format_preset_and_outcome(client):
    before = _samples(client)
    first = client.get("/og?seed=metrics-a&aspect=square&format=webp")
    client.get("/og?seed=metrics-a&aspect=square&format=webp").close()
    client.get("/og?seed=metrics-a&aspect=square&format=webp",
               headers={"If-None-Match": first.headers["ETag"]}).close()
    after = _samples(client)

    def delta(name, **labels):
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    card = {"format": "webp", "preset": "square"}
    assert delta("imprint_og_cards_total", outcome="rendered", **card) == 1
    assert delta("imprint_og_cards_total", outcome="cache_hit", **card) == 1
    assert delta("imprint_og_cards_total", outcome="not_modified", **card) == 1
    assert delta("imprint_og_render_seconds_count", **card) == 1
    assert delta("imprint_og_bytes_total", **card) == 2 * len(first.data)


def _udp_receiver():
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    return receiver


def test_og_cards_reach_dogstatsd_with_the_prometheus_names(make_app):
    receiver = _udp_receiver()
    port = receiver.getsockname()[1]
    app = make_app(DOGSTATSD_ADDRESS=f"127.0.0.1:{port}", ENABLE_OBSERVABILITY_LOGGING=False)
    body = app.test_client().get("/og?seed=statsd&format=png").data
    lines = receiver.recv(65535).decode().split("\n")
    receiver.close()
    names = {line.split(":", 1)[0] for line in lines}
    prometheus = {family.name for family in text_string_to_metric_families(
        app.test_client().get("/metrics").get_data(as_text=True))}
    assert names == {"imprint_og_cards_total", "imprint_og_render_seconds", "imprint_og_bytes_total"}
    # prometheus_client names a counter's family without _total and adds it to the sample
    assert {"imprint_og_cards", "imprint_og_render_seconds", "imprint_og_bytes"} <= prometheus
    assert "imprint_og_cards_total:1|c|#format:png,preset:default,outcome:rendered" in lines
    assert f"imprint_og_bytes_total:{len(body)}|c|#format:png,preset:default" in lines
    assert any(line.startswith("imprint_og_render_seconds:") and line.endswith("|h|#format:png,preset:default")
               for line in lines)


def test_dogstatsd_address_alone_turns_generation_datagrams_on(make_app):
    from app.tracking.logger import GenerationLogger

    receiver = _udp_receiver()
    app = make_app(DOGSTATSD_ADDRESS=f"127.0.0.1:{receiver.getsockname()[1]}",
                   ENABLE_OBSERVABILITY_LOGGING=False)
    with app.app_context():
        logger = GenerationLogger(user_id=None, job_id="job-statsd")
        logger.start_job(style="anime", difficulty=1, scene="x", photo_size="1024x1024", provider="procedural")
        logger.complete(model="m1")
    payload = receiver.recv(65535).decode()
    receiver.close()
    assert payload.startswith("imprint.generation.count:1|c|#status:success,style:anime")


def test_csv_exports_name_their_charset_once(client, admin_key):
    response = client.get("/analytics/exports/logs?format=csv&window=1d", headers=bearer(admin_key[1]))
    assert response.status_code == 200, response.data[:300]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_dashboard_csv_export_names_its_charset_once(client, admin_key):
    page = client.get("/dashboard/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/dashboard/login", data={"api_key": admin_key[1], "csrf_token": token})
    response = client.get("/dashboard/exports/logs.csv")
    assert response.status_code == 200, response.data[:300]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
