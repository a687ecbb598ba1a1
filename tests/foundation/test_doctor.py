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


def test_doctor_checks_that_each_allowed_provider_is_reachable(make_app):
    from tests.ai.a1111_standin import A1111State, automatic1111
    from tests.ai.servers import serve

    with serve(automatic1111(A1111State())) as server:  # the web UI's API answers, not only its port
        port = int(server.url.rsplit(":", 1)[1])
        good = make_app(AI_PROVIDERS_ALLOWED="procedural,automatic1111", A1111_URL=server.url)
        result = good.test_cli_runner().invoke(args=["doctor"])
        assert "ok   providers" in result.output and f"127.0.0.1:{port}" in result.output
    down = make_app(AI_PROVIDERS_ALLOWED="procedural,automatic1111", A1111_URL=f"http://127.0.0.1:{port}")
    result = down.test_cli_runner().invoke(args=["doctor"])
    assert result.exit_code == 1 and "FAIL providers" in result.output and "unreachable" in result.output
    missing = make_app(AI_PROVIDER="openai", OPENAI_API_KEY=None)
    result = missing.test_cli_runner().invoke(args=["doctor"])
    assert "FAIL providers" in result.output and "OPENAI_API_KEY" in result.output


def test_doctor_says_where_quotas_are_counted_and_warns_for_several_machines(make_app, tmp_path):
    path = str(tmp_path / "quota" / "counters.json")
    local = make_app(QUOTA_COUNTERS_PATH=path).test_cli_runner().invoke(args=["doctor"])
    assert "ok   quotas" in local.output and path in local.output and "this machine" in local.output
    production = make_app(QUOTA_COUNTERS_PATH=path, IMPRINT_ENV="production")
    result = production.test_cli_runner().invoke(args=["doctor"])
    assert "WARN quotas" in result.output and "REDIS_URL" in result.output


def test_doctor_flags_a_provider_no_v1_model_name_reaches(make_app, admin_key):
    _user_id, key = admin_key
    closed = "http://127.0.0.1:9/v1"  # nothing leaves the machine
    unmapped = make_app(AI_PROVIDER="openai", OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=closed,
                        OPENAI_IMAGE_MODEL="gpt-image-1.5", OPENAI_COMPAT_MODELS='{"procedural": "procedural"}')
    result = unmapped.test_cli_runner().invoke(args=["doctor"])
    assert "WARN /v1 models" in result.output and "openai" in result.output
    assert 'OPENAI_COMPAT_MODELS, e.g. {"gpt-image-1.5": "openai"}' in result.output
    # What the warning is about: an SDK asking for the provider's model name is refused.
    refused = unmapped.test_client().post("/v1/images/generations", headers={"Authorization": f"Bearer {key}"},
                                          json={"model": "gpt-image-1.5", "prompt": "a lighthouse"})
    assert refused.status_code == 404

    mapped = make_app(AI_PROVIDER="openai", OPENAI_API_KEY="sk-test", OPENAI_BASE_URL=closed,
                      OPENAI_COMPAT_MODELS='{"gpt-image-1.5": "openai", "procedural": "procedural"}')
    result = mapped.test_cli_runner().invoke(args=["doctor"])
    assert "ok   /v1 models" in result.output and "openai: gpt-image-1.5" in result.output


def test_doctor_flags_a_key_set_for_a_provider_nothing_maps(make_app):
    app = make_app(GEMINI_API_KEY="g-test", GEMINI_BASE_URL="http://127.0.0.1:9/v1beta",
                   OPENAI_COMPAT_MODELS='{"procedural": "procedural"}')
    result = app.test_cli_runner().invoke(args=["doctor"])
    assert "WARN /v1 models" in result.output and "gemini" in result.output
    assert "openai" not in result.output.split("WARN /v1 models")[1].splitlines()[0]
