"""Two gunicorn worker processes: a moved label is what the very next request of each process renders."""

import http.client
import json
from concurrent.futures import ThreadPoolExecutor

from tests.prod.gunicorn_server import sigterm_and_wait, start_two_workers
from tests.support import make_api_key

ROUNDS = 8  # requests per round, spread over both processes


def _call(port, method, path, key, body):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=json.dumps(body),
                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null"), response.getheader("X-Worker-Pid")
    finally:
        conn.close()


def _renders(port, key):
    """(pid, version) of a round of renders taken by both processes."""
    def render(_):
        status, body, pid = _call(port, "POST", "/prompts/poster/render", key, {"variables": {"subject": "a fox"}})
        assert status == 200, body
        return pid, body["version"]

    with ThreadPoolExecutor(max_workers=ROUNDS) as pool:
        return list(pool.map(render, range(ROUNDS)))


def test_a_label_move_reaches_every_gunicorn_process_at_its_next_request(app, tmp_path):
    app.config["TRACKING_SPOOL_PATH"] = str(tmp_path / "spool.jsonl")
    with app.app_context():
        _admin, key = make_api_key(app, "releaser", is_admin=True)
    server, port = start_two_workers(app, {})
    try:
        assert _call(port, "POST", "/prompts", key, {"id": "poster", "name": "Poster",
                                                      "template": "v1 {subject}"})[0] == 201
        assert _call(port, "PATCH", "/prompts/poster", key, {"template": "v2 {subject}"})[0] == 200
        assert _call(port, "PUT", "/prompts/poster/labels/production", key, {"version": 1})[0] == 200
        before = _renders(port, key)
        assert {version for _pid, version in before} == {1}
        # moved through one process; every answer after it, from either process, is the new version
        assert _call(port, "PUT", "/prompts/poster/labels/production", key, {"version": 2})[0] == 200
        after = []
        for _round in range(20):  # until both processes have answered
            after += _renders(port, key)
            if len({pid for pid, _version in after}) == 2:
                break
    finally:
        sigterm_and_wait(server)
    assert {version for _pid, version in after} == {2}, after
    assert len({pid for pid, _version in after}) == 2
