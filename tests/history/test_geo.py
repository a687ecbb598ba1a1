"""country_for(ip): None without a database; the country with a real (test-made) GeoLite2-style file."""

import pytest

from app.security.geo import country_for


def test_without_a_database_every_answer_is_none(app, tmp_path):
    assert country_for("8.8.8.8", path=None) is None
    assert country_for("8.8.8.8", path=str(tmp_path / "missing.mmdb")) is None
    with app.test_request_context():
        assert country_for("8.8.8.8") is None  # GEOIP_DATABASE_PATH unset


def _write_test_mmdb(tmp_path):
    """A small GeoLite2-Country-style database: 81.2.69.0/24 is GB, 2a02:6b8::/32 is SE."""
    pytest.importorskip("geoip2")
    writer_module = pytest.importorskip("mmdb_writer")
    from netaddr import IPSet

    path = str(tmp_path / "GeoLite2-Country.mmdb")
    writer = writer_module.MMDBWriter(ip_version=6, database_type="GeoLite2-Country", ipv4_compatible=True)
    writer.insert_network(IPSet(["81.2.69.0/24"]), {"country": {"iso_code": "GB"}})
    writer.insert_network(IPSet(["2a02:6b8::/32"]), {"country": {"iso_code": "SE"}})
    writer.to_db_file(path)
    return path


@pytest.mark.usefixtures("app")  # empties the tables afterwards
def test_with_a_country_database(make_app, tmp_path):
    path = _write_test_mmdb(tmp_path)
    app = make_app(GEOIP_DATABASE_PATH=path)
    with app.test_request_context():
        assert country_for("81.2.69.142") == "GB"
        assert country_for("2a02:6b8::1") == "SE"
        assert country_for("1.2.3.4") is None  # not in the file
        assert country_for("10.0.0.1") is None  # private
        assert country_for("not an ip") is None


@pytest.mark.usefixtures("app")  # empties the tables afterwards
def test_og_and_generation_rows_record_country_and_anonymised_ip(make_app, tmp_path):
    """With a GeoIP file and ANONYMIZE_IP, the rows written for a request carry both."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import GeneratedImage, GenerationLog, OgGeneration
    from app.tracking import flush

    path = _write_test_mmdb(tmp_path)
    app = make_app(GEOIP_DATABASE_PATH=path, ANONYMIZE_IP=True, TRUSTED_PROXIES=1)
    client = app.test_client()
    headers = {"X-Forwarded-For": "81.2.69.142"}
    assert client.get("/og?seed=geo", headers=headers).status_code == 200
    made = client.post("/ai/generate", json={"prompt": "a map", "size": "256x256"}, headers=headers)
    assert made.status_code == 201
    flush(app=app)
    with app.app_context():
        og = db.session.scalars(select(OgGeneration)).one()
        assert (og.ip_address, og.country) == ("81.2.69.0", "GB")
        assert db.session.scalars(select(GeneratedImage.country)).one() == "GB"
        assert db.session.scalars(select(GenerationLog.country)).one() == "GB"


@pytest.mark.usefixtures("app")  # empties the tables afterwards
def test_a_queued_generation_keeps_the_country_of_its_request(make_app, redis_url, tmp_path):
    """The worker that runs a queued job has no request: the job carries its country."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import GeneratedImage, GenerationLog
    from app.tracking import flush
    from tests.support import work_queued_generations

    path = _write_test_mmdb(tmp_path)
    app = make_app(GEOIP_DATABASE_PATH=path, TRUSTED_PROXIES=1, REDIS_URL=redis_url)
    client = app.test_client()
    response = client.post("/ai/generate?async=true", json={"prompt": "a map", "size": "256x256"},
                           headers={"X-Forwarded-For": "81.2.69.142"})
    assert response.status_code == 202
    work_queued_generations(app)
    assert client.get(f"/ai/jobs/{response.get_json()['id']}").get_json()["status"] == "finished"
    flush(app=app, timeout=0)  # this process's events onto the queue; a drain writes them
    with app.app_context():
        from app.redis_client import get_redis
        from app.tracking import queue

        queue.drain(app, get_redis(), max_seconds=10)
        assert db.session.scalars(select(GeneratedImage.country)).one() == "GB"
        assert db.session.scalars(select(GenerationLog.country)).one() == "GB"
