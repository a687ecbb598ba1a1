"""country_for(ip): None without a database; the country with a real (test-made) GeoLite2-style file."""

import pytest

from app.history.geo import country_for


def test_without_a_database_every_answer_is_none(app, tmp_path):
    assert country_for("8.8.8.8", path=None) is None
    assert country_for("8.8.8.8", path=str(tmp_path / "missing.mmdb")) is None
    with app.test_request_context():
        assert country_for("8.8.8.8") is None  # GEOIP_DATABASE_PATH unset


@pytest.mark.usefixtures("app")  # empties the tables afterwards
def test_with_a_country_database(make_app, tmp_path):
    pytest.importorskip("geoip2")
    writer_module = pytest.importorskip("mmdb_writer")
    from netaddr import IPSet

    path = str(tmp_path / "GeoLite2-Country.mmdb")
    writer = writer_module.MMDBWriter(ip_version=6, database_type="GeoLite2-Country", ipv4_compatible=True)
    writer.insert_network(IPSet(["81.2.69.0/24"]), {"country": {"iso_code": "GB"}})
    writer.insert_network(IPSet(["2a02:6b8::/32"]), {"country": {"iso_code": "SE"}})
    writer.to_db_file(path)

    app = make_app(GEOIP_DATABASE_PATH=path)
    with app.test_request_context():
        assert country_for("81.2.69.142") == "GB"
        assert country_for("2a02:6b8::1") == "SE"
        assert country_for("1.2.3.4") is None  # not in the file
        assert country_for("10.0.0.1") is None  # private
        assert country_for("not an ip") is None
