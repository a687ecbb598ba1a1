"""Fixtures for the prompt tests: keys as headers, a template factory, settling tracking."""

import pytest

from tests.support import bearer


@pytest.fixture
def admin(admin_key):
    return bearer(admin_key[1])


@pytest.fixture
def user(user_key):
    return bearer(user_key[1])


@pytest.fixture
def make_prompt(client, admin):
    """Create a template through the API; returns its JSON."""

    def create(prompt_id="portrait-selfie-casual", **fields):
        body = {
            "id": prompt_id,
            "name": fields.pop("name", prompt_id.replace("-", " ").title()),
            "template": fields.pop("template", "selfie of {character}, {scene}, wearing {outfit}"),
            **fields,
        }
        response = client.post("/prompts", json=body, headers=admin)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return create


@pytest.fixture
def settle(app):
    """Wait for tracking events to be written, when the tracking pipeline is asynchronous."""
    from app import tracking

    def wait():
        flush = getattr(tracking, "flush", None)
        if flush is not None:
            with app.app_context():
                flush()

    return wait


@pytest.fixture
def read(app):
    """Run ``fn(session)`` in a fresh app context and return its result.

    Tests read rows this way instead of holding ``db_session`` open: an app
    context left open is reused by every test request (sharing ``g`` and the
    session), and on SQLite its open transaction holds the write lock.
    """
    from app.extensions import db

    def run(fn):
        with app.app_context():
            try:
                return fn(db.session)
            finally:
                db.session.remove()

    return run
