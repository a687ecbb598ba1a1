"""Local mode (no Redis): two gunicorn processes count one key's monthly budget; exactly its limit gets through."""


from app.auth import service
from app.governance.limits import set_key_limits
from tests.prod.gunicorn_server import generate_in_parallel

LIMIT = 7


def test_two_gunicorn_processes_admit_exactly_the_budget_under_40_parallel_requests(app, tmp_path):
    app.config["TRACKING_SPOOL_PATH"] = str(tmp_path / "spool.jsonl")
    with app.app_context():
        user = service.create_user("budget-race")
        key, plaintext = service.create_api_key(user, name="race")
        set_key_limits(key, {"budget_generations": LIMIT, "budget_period": "month"})
    # The daily quota is off: only the key's budget can refuse.
    settings = {"DAILY_GENERATION_LIMIT": -1, "DAILY_COST_LIMIT_USD": -1,
                "QUOTA_COUNTERS_PATH": str(tmp_path / "counters.json")}
    answers = generate_in_parallel(app, settings, plaintext, "a harbour")
    codes = [code for code, _pid in answers]
    assert len({pid for _code, pid in answers}) == 2  # both processes took requests
    assert codes.count(201) == LIMIT and codes.count(429) == 40 - LIMIT, codes
