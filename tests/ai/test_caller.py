"""The AI services take their caller explicitly: a CLI or a worker, with no request, passes one."""

from sqlalchemy import select

from app.ai.pipeline import generate_images
from app.auth import Principal
from app.extensions import db
from app.models import GeneratedImage, GenerationLog
from app.security.client import Caller
from app.tracking import flush


def test_generation_outside_any_request_keeps_what_its_caller_says(app, user_key):
    user_id, _key = user_key
    caller = Caller(Principal(user_id, "alice", None, False), address="198.51.100.7", country="NZ")
    with app.app_context():
        outcome = generate_images({"prompt": "a kiwi at dawn", "size": "256x256"}, caller)
        image_id = outcome.records[0].id
    assert flush(app=app) is True
    with app.app_context():
        image = db.session.get(GeneratedImage, image_id)
        log = db.session.scalars(select(GenerationLog).where(GenerationLog.image_id == image_id)).one()
        assert (image.user_id, image.username, image.country) == (user_id, "alice", "NZ")
        assert (log.user_id, log.country) == (user_id, "NZ")
