"""``/`` is the way in: a browser gets a page of links, an API client the same links as JSON,
and every link answers."""

import re

CHROMIUM_ACCEPT = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
                   "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7")


def test_a_browser_gets_a_page_whose_links_all_answer(client):
    page = client.get("/", headers={"Accept": CHROMIUM_ACCEPT})
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    links = re.findall(r'href="([^"]+)"', html)
    assert "/dashboard/login" in links and "/docs" in links
    for link in links:
        assert client.get(link.replace("&amp;", "&")).status_code == 200, link
    assert "five-minute tour" in html


def test_curl_gets_the_same_links_as_json(client):
    answer = client.get("/", headers={"Accept": "*/*"})
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    links = answer.json["links"]
    assert links["dashboard"] == "/dashboard/login" and links["docs"] == "/docs"
    for path in links.values():
        assert client.get(path).status_code == 200, path


def test_head_does_not_404(client):
    assert client.head("/").status_code == 200
