"""Signed card URLs: the algorithm as docs/og.md states it, written here again from the text (not by
calling the app), gives URLs the app serves; unsigned or tampered ones are 403; keys rotate."""

import base64
import hashlib
import hmac
from urllib.parse import parse_qsl, quote, urlsplit

import pytest

from tests.support import bearer, make_api_key

OLD, NEW = "old-secret-0123456789", "new-secret-9876543210"


def documented_signature(key, url):
    """docs/og.md, "Signed card URLs", step by step."""
    parts = urlsplit(url)
    pairs = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True) if name != "sig"]
    unreserved = "-._~"
    query = "&".join(quote(n, safe=unreserved) + "=" + quote(v, safe=unreserved) for n, v in sorted(pairs))
    message = quote(parts.path, safe="/" + unreserved) + "?" + query
    digest = hmac.new(key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def signed(key, url):
    return url + ("&" if "?" in url else "?") + "sig=" + documented_signature(key, url)


@pytest.fixture
def signing_app(app, make_app):
    return make_app(OG_SIGNING_KEYS=OLD)


CARDS = ["/og/launch.png?quote=Ship+it&author=Ada", "/og?seed=hello&title=%E6%97%A5%E6%9C%AC%E8%AA%9E&layout=article",
         "/og/café.webp?quote=a%26b%3Dc&quote2=x&site=example.com"]


@pytest.mark.parametrize("url", CARDS)
def test_a_url_signed_as_documented_is_served_and_cacheable(signing_app, url):
    client = signing_app.test_client()
    answer = client.get(signed(OLD, url))
    assert answer.status_code == 200, answer.get_json()
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    again = client.get(signed(OLD, url), headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304


def test_unsigned_tampered_and_foreign_urls_are_403(signing_app):
    client = signing_app.test_client()
    url = "/og/launch.png?quote=Ship+it"
    assert client.get(url).status_code == 403
    assert "sig" in client.get(url).get_json()["message"]
    good = signed(OLD, url)
    assert client.get(good.replace("Ship+it", "Scam+here")).status_code == 403  # the text changed
    assert client.get(good.replace("/og/launch", "/og/other")).status_code == 403  # the path changed
    assert client.get(signed("someone-elses-key", url)).status_code == 403
    assert client.get(good + "&sig=" + documented_signature(OLD, url)).status_code == 403  # two signatures
    assert client.get(url + "&sig=" + "A" * 500).status_code in (400, 403)


def test_rotation_keeps_old_urls_until_the_old_key_goes(app, make_app):
    url = "/og/launch.png?quote=Ship+it"
    both = make_app(OG_SIGNING_KEYS=f"{NEW},{OLD}").test_client()
    assert both.get(signed(OLD, url)).status_code == 200
    assert both.get(signed(NEW, url)).status_code == 200
    new_only = make_app(OG_SIGNING_KEYS=NEW).test_client()
    assert new_only.get(signed(OLD, url)).status_code == 403
    assert new_only.get(signed(NEW, url)).status_code == 200


def test_text_mode_signs_only_urls_that_carry_text(app, make_app):
    client = make_app(OG_SIGNING_KEYS=OLD, OG_SIGNATURES="text").test_client()
    assert client.get("/og/launch.png?aspect=square&theme=sunset&shapes=4").status_code == 200
    assert client.get("/og/launch.png?quote=Anything").status_code == 403
    assert client.get(signed(OLD, "/og/launch.png?quote=Anything")).status_code == 200


def test_template_cards_are_signed_too(signing_app, admin_key):
    client = signing_app.test_client()
    made = client.post("/og/templates", headers=bearer(admin_key[1]),
                       json={"name": "acme", "layout": "announcement", "colors": {"background": "#101828"}})
    assert made.status_code in (200, 201), made.get_json()
    url = "/og/t/acme/v1/launch.png?title=Hello"
    assert client.get(url).status_code == 403
    assert client.get(signed(OLD, url)).status_code == 200


def test_without_keys_nothing_changes(app, make_app):
    assert make_app().test_client().get("/og/launch.png?quote=Ship+it").status_code == 200


def test_the_api_and_the_cli_sign_what_the_documented_algorithm_accepts(signing_app, admin_key):
    client = signing_app.test_client()
    url = "/og/launch.png?quote=Ship it&author=Ada Lovelace"
    assert client.post("/og/sign", json={"url": url}).status_code == 401  # a key is needed
    answer = client.post("/og/sign", json={"url": url}, headers=bearer(admin_key[1]))
    assert answer.status_code == 200
    made = answer.get_json()["url"]
    assert dict(parse_qsl(urlsplit(made).query))["sig"] == documented_signature(OLD, made)
    assert client.get(made).status_code == 200
    assert client.post("/og/sign", json={"url": "/ai/generate"}, headers=bearer(admin_key[1])).status_code == 422
    from_cli = signing_app.test_cli_runner().invoke(args=["og", "sign", "http://example.com" + url])
    assert from_cli.exit_code == 0, from_cli.output
    assert from_cli.output.strip().startswith("http://example.com/og/launch.png?")
    assert client.get(from_cli.output.strip().removeprefix("http://example.com")).status_code == 200


def test_signing_needs_a_key_and_a_known_mode(make_app, app):
    with app.app_context():
        _, key = make_api_key(app, "signer")
    assert app.test_client().post("/og/sign", json={"url": "/og/a.png"}, headers=bearer(key)).status_code == 409
    with pytest.raises(RuntimeError, match="OG_SIGNING_KEYS"):
        make_app(OG_SIGNATURES="required")
    with pytest.raises(RuntimeError, match="OG_SIGNATURES"):
        make_app(OG_SIGNING_KEYS=OLD, OG_SIGNATURES="sometimes")


def test_the_javascript_in_the_docs_signs_urls_the_app_accepts(signing_app, tmp_path):
    import re
    import shutil
    import subprocess
    from pathlib import Path

    from tests.support import require_service

    node = shutil.which("node")
    if not node:
        require_service("Node.js", "node is not on the PATH")
    docs = (Path(__file__).resolve().parents[2] / "docs" / "og.md").read_text(encoding="utf-8")
    snippet = re.search(r"```javascript\n(.*?)```", docs, re.DOTALL).group(1)
    script = tmp_path / "sign.js"
    script.write_text(snippet + "\nconsole.log(sign(process.argv[2], process.argv[3]));\n")
    client = signing_app.test_client()
    for url in ("/og/café.png?quote=Ship+it!&author=Ada%20(L)", "/og?seed=x&title=%E6%97%A5%E6%9C%AC&layout=article"):
        made = subprocess.run([node, str(script), url, OLD], capture_output=True, text=True, check=True).stdout.strip()
        assert client.get(made).status_code == 200, made


def test_a_template_can_choose_differently_from_the_global_setting(make_app, admin_key):
    app = make_app(OG_SIGNING_KEYS=OLD, OG_SIGNATURES="off", OG_SIGNATURES_BY_TEMPLATE="acme=required")
    client = app.test_client()
    made = client.post("/og/templates", headers=bearer(admin_key[1]), json={"name": "acme", "layout": "announcement"})
    assert made.status_code in (200, 201), made.get_json()
    assert client.get("/og/launch.png?quote=Free+for+all").status_code == 200  # global: off
    assert client.get("/og/t/acme/v1/launch.png?title=Ours").status_code == 403  # the template: required
    assert client.get(signed(OLD, "/og/t/acme/v1/launch.png?title=Ours")).status_code == 200
    with pytest.raises(RuntimeError, match="OG_SIGNATURES_BY_TEMPLATE"):
        make_app(OG_SIGNING_KEYS=OLD, OG_SIGNATURES_BY_TEMPLATE="acme=sometimes")
