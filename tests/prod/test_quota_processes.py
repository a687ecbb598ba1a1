"""Local mode (no Redis): two gunicorn worker processes count one daily quota, and a restart keeps it."""

import pytest

from tests.prod.gunicorn_server import (
    generate_in_parallel,
    pid_request,
    sigterm_and_wait,
    start_two_workers,
)
from tests.support import make_api_key

LIMIT = 10


@pytest.mark.slow
def test_two_gunicorn_processes_admit_exactly_the_daily_limit_and_a_restart_keeps_it(app, tmp_path):
    app.config["TRACKING_SPOOL_PATH"] = str(tmp_path / "spool.jsonl")
    with app.app_context():
        _user, key = make_api_key(app, "quota-race")
    settings = {"DAILY_GENERATION_LIMIT": LIMIT, "QUOTA_COUNTERS_PATH": str(tmp_path / "counters.json")}
    answers = generate_in_parallel(app, settings, key, "a lighthouse")
    codes = [code for code, _pid in answers]
    assert len({pid for _code, pid in answers}) == 2  # both processes took requests
    assert codes.count(201) == LIMIT and codes.count(429) == 40 - LIMIT, codes

    server, port = start_two_workers(app, settings)  # a restart: the day's count is still there
    try:
        assert pid_request(port, "POST", "/ai/generate", key, {"prompt": "a lighthouse, once more"})[0] == 429
    finally:
        sigterm_and_wait(server)
