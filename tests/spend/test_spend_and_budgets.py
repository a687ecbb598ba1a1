"""Two users, three keys (expired, OG-only, a monthly USD budget) against a priced OpenAI stand-in:
attribution, exact spend reports, refusals before any provider call, and the budget's 429."""

from datetime import timedelta
from decimal import Decimal

import openai
import pytest
from sqlalchemy import select

from app.auth import service
from app.extensions import db
from app.governance.limits import set_key_limits
from app.models import ApiKey, GeneratedImage, GenerationLog
from app.models.types import utcnow
from tests.ai.openai_standin import openai_images
from tests.ai.servers import flush_tracking, serve
from tests.openai_api.conftest import sdk, served

BUDGET = Decimal("0.03")  # three low-quality images of about $0.00876 each; the fourth would pass it


def _key(user, name, **limits):
    key, plaintext = service.create_api_key(user, name=name)
    set_key_limits(key, limits)
    return key.id, plaintext


@pytest.fixture
def world(provider_app):
    """The app on the stand-in; users ana (admin-less) and bo; keys: ana's budgeted, ana's expired, bo's OG-only
    and bo's plain one; and an admin's."""
    with serve(openai_images()) as server:
        app = provider_app(AI_PROVIDER="openai", OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=server.url + "/v1",
                           DAILY_GENERATION_LIMIT=-1, DAILY_COST_LIMIT_USD=-1)
        with app.app_context():
            ana, bo = service.create_user("ana"), service.create_user("bo")
            admin = service.create_user("root", is_admin=True)
            keys = {
                "budgeted": _key(ana, "app", budget_usd=BUDGET, budget_period="month"),
                "expired": _key(ana, "old", expires_at=utcnow() - timedelta(minutes=1)),
                "og": _key(bo, "cards", scopes=["og"]),
                "plain": _key(bo, "main"),
                "admin": _key(admin, "ops"),
            }
            users = {"ana": ana.id, "bo": bo.id}
        yield app, server, keys, users


def _generate(client, key, **body):
    return client.post("/ai/generate", json={"prompt": "a lighthouse", "quality": "low", **body},
                       headers={"Authorization": f"Bearer {key}"})


def _rows(app, model):
    flush_tracking(app)
    with app.app_context():
        return db.session.scalars(select(model)).all()


def test_reports_sum_the_rows_exactly_and_the_budget_refuses_at_its_limit(world):
    app, server, keys, users = world
    client = app.test_client()
    budgeted, plain, admin = keys["budgeted"][1], keys["plain"][1], keys["admin"][1]
    made = [_generate(client, budgeted, tags=["launch"]) for _ in range(3)]
    assert [r.status_code for r in made] == [201, 201, 201], made[-1].get_json()
    response = client.post("/ai/generate", json={"prompt": "two", "quality": "low", "n": 2, "difficulty": 3,
                                                 "scene": "harbour", "end_user": "customer-7"},
                           headers={"Authorization": f"Bearer {plain}", "Imprint-Tags": "campaign, q4"})
    assert response.status_code == 201, response.get_json()
    calls = len(server.requests)
    assert calls == 4

    refused = _generate(client, budgeted)
    assert refused.status_code == 429 and len(server.requests) == calls  # the provider was not called
    body = refused.get_json()
    images = _rows(app, GeneratedImage)
    ana_cost = sum(Decimal(i.cost_usd) for i in images if i.user_id == users["ana"])
    assert body["budget"]["owner"] == "key" and body["budget"]["period"] == "month"
    assert body["budget"]["exceeded"] == "cost_usd" and body["budget"]["limit_usd"] == float(BUDGET)
    assert Decimal(str(body["budget"]["spent"])) == ana_cost  # settled with the real costs
    assert body["budget"]["resets_at"].startswith(f"{(utcnow().replace(day=28) + timedelta(days=4)):%Y-%m}-01")
    assert int(refused.headers["Retry-After"]) > 0 and "month" in body["message"]

    # attribution on every row
    logs = _rows(app, GenerationLog)
    key_ids = {keys["budgeted"][0], keys["plain"][0]}
    assert {i.api_key_id for i in images} == key_ids and {log.api_key_id for log in logs} == key_ids
    two = next(log for log in logs if log.images == 2)
    assert (two.difficulty, two.scene, two.end_user, two.tags) == (3, "harbour", "customer-7", ["campaign", "q4"])

    # the reports: every group's cost is the exact sum of its rows' costs, and the total is all of them
    total = sum(Decimal(i.cost_usd) for i in images)
    for group_by in ("user", "key", "provider", "model", "day"):
        report = client.get(f"/analytics/spend?group_by={group_by}&window=1d",
                            headers={"Authorization": f"Bearer {admin}"}).get_json()
        assert Decimal(report["total"]["cost_usd"]) == total, group_by
        assert sum(Decimal(row["cost_usd"]) for row in report["rows"]) == total, group_by
        assert report["total"]["generations"] == 4 and report["total"]["images"] == 5
    by_key = client.get("/analytics/spend?group_by=key&window=1d", headers={"Authorization": f"Bearer {admin}"}).get_json()
    [budget_row] = [row for row in by_key["rows"] if row["group"] == str(keys["budgeted"][0])]
    assert Decimal(budget_row["cost_usd"]) == ana_cost and budget_row["generations"] == 3
    assert budget_row["label"].startswith(budgeted[:12]) and budget_row["tokens_out"] == 3 * 272
    by_tag = client.get("/analytics/spend?group_by=tag&window=1d", headers={"Authorization": f"Bearer {admin}"}).get_json()
    assert {row["group"]: row["generations"] for row in by_tag["rows"]} == {"launch": 3, "campaign": 1, "q4": 1}
    # a user sees only their own
    mine = client.get("/analytics/spend?group_by=key&window=1d", headers={"Authorization": f"Bearer {plain}"}).get_json()
    assert [row["group"] for row in mine["rows"]] == [str(keys["plain"][0])]
    top = client.get("/analytics/top-spenders?window=1d", headers={"Authorization": f"Bearer {admin}"}).get_json()
    assert [row["label"] for row in top["rows"]] == ["ana", "bo"] if ana_cost > total - ana_cost else ["bo", "ana"]
    csv = client.get("/analytics/spend?group_by=user&window=1d&format=csv", headers={"Authorization": f"Bearer {admin}"})
    assert csv.mimetype == "text/csv" and csv.get_data(as_text=True).splitlines()[0].startswith("group,label,")


def test_the_daily_rollups_answer_the_same_exact_sums(world):
    app, _server, keys, _users = world
    client = app.test_client()
    for _ in range(2):
        assert _generate(client, keys["plain"][1], tags=["x"]).status_code == 201
    assert _generate(client, keys["budgeted"][1], tags=["x", "y"]).status_code == 201
    admin = {"Authorization": f"Bearer {keys['admin'][1]}"}
    flush_tracking(app)
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    window = f"from={(today - timedelta(days=1)):%Y-%m-%dT%H:%M:%SZ}&to={(today + timedelta(days=1)):%Y-%m-%dT%H:%M:%SZ}"
    groups = ("user", "key", "provider", "model", "tag", "day")
    live = {g: client.get(f"/analytics/spend?group_by={g}&{window}", headers=admin).get_json() for g in groups}
    with app.app_context():
        from app.models import SpendDay
        from app.rollup.refresh import refresh_rollups

        refresh_rollups(now=today + timedelta(days=1, hours=1))  # today is a whole day before the watermark
        rolled = db.session.scalars(select(SpendDay).where(SpendDay.dimension == "key")).all()
        assert sum(row.cost_micros for row in rolled) == int(Decimal(live["key"]["total"]["cost_usd"]) * 1_000_000)
    for group_by, before in live.items():
        after = client.get(f"/analytics/spend?group_by={group_by}&{window}", headers=admin).get_json()
        assert after["rows"] == before["rows"] and after["total"] == before["total"], group_by
    assert {row["group"]: row["generations"] for row in live["tag"]["rows"]} == {"x": 3, "y": 1}
    inverted = f"from={(today + timedelta(days=1)):%Y-%m-%dT%H:%M:%SZ}&to={(today - timedelta(days=1)):%Y-%m-%dT%H:%M:%SZ}"
    empty = client.get(f"/analytics/spend?group_by=tag&{inverted}", headers=admin)
    assert empty.status_code == 200 and empty.get_json()["rows"] == []  # a window ending before it starts is empty


def test_expired_and_out_of_scope_keys_are_refused_before_any_provider_call(world):
    app, server, keys, _users = world
    client = app.test_client()
    expired = _generate(client, keys["expired"][1])
    assert expired.status_code == 401 and "expired" in expired.get_json()["message"]
    og_only = _generate(client, keys["og"][1])
    assert og_only.status_code == 403 and "'generate'" in og_only.get_json()["message"]
    assert client.get("/og?seed=a", headers={"Authorization": f"Bearer {keys['og'][1]}"}).status_code == 200
    assert server.requests == []
    with app.app_context():
        key = db.session.get(ApiKey, keys["plain"][0])
        set_key_limits(key, {"allowed_models": ["gpt-image-1-mini"]})
    wrong_model = _generate(client, keys["plain"][1])
    assert wrong_model.status_code == 403 and wrong_model.get_json()["errors"]["json"]["model"]
    assert server.requests == []


def test_the_openai_sdk_sees_a_rate_limit_error_at_the_budget(world):
    app, server, keys, _users = world
    with app.app_context():
        set_key_limits(db.session.get(ApiKey, keys["plain"][0]), {"budget_generations": 1, "budget_period": "day"})
    with served(app) as url:
        client = sdk(url, keys["plain"][1])
        client.images.generate(prompt="one", model="gpt-image-1.5", quality="low")
        with pytest.raises(openai.RateLimitError) as refused:
            client.images.generate(prompt="two", model="gpt-image-1.5", quality="low")
        with pytest.raises(openai.PermissionDeniedError):
            sdk(url, keys["og"][1]).images.generate(prompt="three", model="gpt-image-1.5")
    assert refused.value.code == "budget_exceeded" and "daily budget" in refused.value.message
    assert len(server.requests) == 1


def test_a_budget_spent_past_its_alert_share_fires_through_the_webhook(world):
    app, _server, keys, _users = world
    client = app.test_client()
    sent = []
    app.config["ALERT_WEBHOOK_URL"] = "http://alerts.invalid/hook"  # never reached: ``send`` collects
    from app.analytics import alerts

    assert _generate(client, keys["budgeted"][1]).status_code == 201  # about 29% of the budget
    with app.app_context():
        assert not [e for e in alerts.check_alerts(app.config, send=sent.append) if e.rule.startswith("budget:")]
    for _ in range(2):
        assert _generate(client, keys["budgeted"][1]).status_code == 201  # about 88%
    with app.app_context():
        [fired] = [e for e in alerts.check_alerts(app.config, send=sent.append) if e.rule.startswith("budget:")]
        assert fired.rule == f"budget:{keys['budgeted'][0]}" and fired.threshold == 0.8
        assert 0.8 <= fired.value < 1 and "monthly" not in fired.message and "month budget" in fired.message
    assert [body["rule"] for body in sent] == [f"budget:{keys['budgeted'][0]}"]
    assert sent[0]["status"] == "firing" and keys["budgeted"][1][:12] in sent[0]["message"]
