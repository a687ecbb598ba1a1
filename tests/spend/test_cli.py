"""``flask keys create/update`` and ``flask users update`` set budgets, expiry, scopes and allowlists."""

from decimal import Decimal

from app.auth import service


def test_keys_and_users_get_their_limits_from_the_cli(app):
    runner = app.test_cli_runner()
    with app.app_context():
        service.create_user("cli-ana")
    created = runner.invoke(args=["keys", "create", "--user", "cli-ana", "--name", "app", "--budget-usd", "20",
                                  "--period", "month", "--expires", "2027-01-31", "--scope", "generate",
                                  "--model", "gpt-image-1.5"])
    assert created.exit_code == 0, created.output
    plaintext = created.stdout.splitlines()[0]
    with app.app_context():
        key = service.find_key(plaintext[:12])
        assert key.budget_usd == Decimal("20") and key.budget_period == "month" and key.scopes == "generate"
        assert key.allowed_models == ["gpt-image-1.5"] and key.expires_at.isoformat() == "2027-01-31T00:00:00+00:00"
    updated = runner.invoke(args=["keys", "update", plaintext[:12], "--budget-usd", "none", "--scope", "og",
                                  "--scope", "read", "--budget-generations", "50", "--period", "week"])
    assert updated.exit_code == 0, updated.output
    with app.app_context():
        key = service.find_key(plaintext[:12])
        assert key.budget_usd is None and key.budget_generations == 50 and key.scopes == "og read"
    wrong = runner.invoke(args=["keys", "create", "--user", "cli-ana", "--budget-usd", "-3"])
    assert wrong.exit_code != 0 and "budget_usd" in wrong.output
    with app.app_context():
        assert len(service.list_keys(service.find_user("cli-ana"))) == 1  # the refused key was never made
    user = runner.invoke(args=["users", "update", "cli-ana", "--budget-usd", "100", "--period", "month"])
    assert user.exit_code == 0 and "$100 per month" in user.output, user.output
