"""Helpers of the OG tests: templates registered through the API, the OG ledger's rows."""

import base64

from sqlalchemy import select

from app.extensions import db
from app.models import OgGeneration
from app.tracking import flush
from tests.support import bearer


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def create(client, admin, **body):
    body.setdefault("name", "acme")
    return client.post("/og/templates", json=body, headers=bearer(admin))


def rows(app):
    """The og_generations rows once tracking has delivered its events, oldest first."""
    assert flush(app=app)
    with app.app_context():
        result = db.session.scalars(select(OgGeneration).order_by(OgGeneration.created_at)).all()
        db.session.expunge_all()
        return result
