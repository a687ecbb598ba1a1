"""OG cards: unsigned by default; with OG_PROVENANCE, signed once and the signed bytes cached."""

import pytest

from tests.provenance.conftest import IPTC, actions, read_manifest


@pytest.mark.parametrize("ext", ["png", "jpeg", "webp", "svg"])
def test_og_provenance_signs_and_caches_the_signed_card(provider_app, ext):
    client = provider_app(OG_PROVENANCE=True).test_client()
    first = client.get(f"/og/signed.{ext}?quote=Signed%20card")
    second = client.get(f"/og/signed.{ext}?quote=Signed%20card")
    assert first.status_code == 200
    state, manifest, _all, _results = read_manifest(first.data)
    assert state == "Valid"
    assert actions(manifest)[0]["digitalSourceType"] == IPTC + "algorithmicMedia"
    assert second.headers["Server-Timing"].startswith("cache")
    assert second.data == first.data  # the cache keeps what was signed


def test_og_cards_are_unsigned_by_default(client):
    card = client.get("/og/plain.png?quote=Plain")
    assert card.status_code == 200 and read_manifest(card.data) is None


def test_flask_og_render_signs_as_the_endpoint_does(provider_app, tmp_path):
    app = provider_app(OG_PROVENANCE=True)
    out = tmp_path / "card.png"
    result = app.test_cli_runner().invoke(args=["og", "render", "--seed", "cli", "--quote", "Signed", "--out", str(out)])
    assert result.exit_code == 0, result.output
    state, manifest, _all, _results = read_manifest(out.read_bytes())
    assert state == "Valid" and actions(manifest)[0]["digitalSourceType"] == IPTC + "algorithmicMedia"
