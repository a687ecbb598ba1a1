"""``flask doctor`` passes on a healthy setup and names the fix when something is wrong."""


def test_doctor_passes_on_a_migrated_database(app):
    result = app.test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    assert "ok   migrations" in result.output and "ok   storage" in result.output


def test_doctor_fails_and_says_how_to_fix_an_unreachable_database(make_app):
    app = make_app(DATABASE_URL="postgresql://postgres@127.0.0.1:9/nothing", DB_CONNECT_TIMEOUT=1)
    result = app.test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code == 1
    assert "FAIL database" in result.output and "fix:" in result.output


def test_doctor_reports_unapplied_migrations(make_app, tmp_path):
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}")
    result = app.test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code == 1
    assert "FAIL migrations" in result.output and "db upgrade" in result.output


def test_doctor_warns_about_redis_eviction_policy(make_app, redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    policy = client.config_get("maxmemory-policy")["maxmemory-policy"]
    result = make_app(REDIS_URL=redis_url).test_cli_runner().invoke(args=["doctor"])
    if policy == "noeviction":
        assert "ok   redis" in result.output
    else:
        assert "WARN redis" in result.output and "noeviction" in result.output
