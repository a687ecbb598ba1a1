"""Helpers of the dashboard tests: a signed-in test client, the phone-width check."""

import re

PHONE = {"width": 390, "height": 844}

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def signed_in_client(app, key):
    """A test client holding a dashboard session, signed in through the form."""
    client = app.test_client()
    token = TOKEN.search(client.get("/dashboard/login").text).group(1)
    answer = client.post("/dashboard/login", data={"api_key": key, "csrf_token": token})
    assert answer.status_code == 302
    return client


def fits_the_phone(page, path):
    """Nothing on the page is wider than the 390 px screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate("""() => [...document.querySelectorAll('main *')].filter(
        e => e.getBoundingClientRect().right > 392).slice(0, 5).map(e => e.tagName + '.' + e.className)""")
    assert width <= PHONE["width"] + 1, f"{path} is {width}px wide on a 390px screen: {wide}"
