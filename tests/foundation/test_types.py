"""Portable columns round-trip, and the per-dialect helpers agree, on both databases."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import GeneratedImage, OgGeneration
from app.models.query import has_tag, json_text


def _image(**fields):
    return GeneratedImage(prompt="p", storage_url="s", image_url="u", **fields)


def test_json_tags_and_inet_round_trip(db_session):
    meta = {"filename": "a.png", "nested": {"n": [1, 2.5, None]}, "unicode": "café ☕"}
    image = _image(tags=["portrait", "blue sky", "ünï"], meta=meta)
    og = OgGeneration(seed="s", aspect_ratio="default", ip_address="2001:db8::1")
    og4 = OgGeneration(seed="s", aspect_ratio="default", ip_address="203.0.113.9")
    db_session.add_all([image, og, og4])
    db_session.commit()
    db_session.expire_all()

    loaded = db_session.get(GeneratedImage, image.id)
    assert loaded.tags == ["portrait", "blue sky", "ünï"]
    assert loaded.meta == meta
    assert db_session.get(OgGeneration, og.id).ip_address == "2001:db8::1"
    assert db_session.get(OgGeneration, og4.id).ip_address == "203.0.113.9"


def test_timestamps_come_back_aware_utc(db_session):
    moment = datetime(2026, 3, 1, 12, 30, tzinfo=UTC) + timedelta(microseconds=5)
    image = _image(created_at=moment)
    db_session.add(image)
    db_session.commit()
    db_session.expire_all()
    loaded = db_session.get(GeneratedImage, image.id)
    assert loaded.created_at == moment
    assert loaded.created_at.tzinfo is not None


def test_has_tag_and_json_key_filters_select_the_same_rows(db_session):
    rows = {
        "a": _image(tags=["portrait", "outdoor"], meta={"camera": "x100", "iso": 200}),
        "b": _image(tags=["portrait"], meta={"camera": "a7", "iso": 400}),
        "c": _image(tags=["landscape"], meta={"camera": "x100"}),
        "d": _image(tags=None, meta=None),
        "e": _image(tags=["portraits"], meta={"camera.model": "dotted key"}),
    }
    for name, row in rows.items():
        row.message_id = name
        db_session.add(row)
    db_session.commit()

    def names(condition):
        query = select(GeneratedImage.message_id).where(condition).order_by(GeneratedImage.message_id)
        return db_session.scalars(query).all()

    assert names(has_tag(GeneratedImage.tags, "portrait")) == ["a", "b"]
    assert names(has_tag(GeneratedImage.tags, "landscape")) == ["c"]
    assert names(has_tag(GeneratedImage.tags, "nothing")) == []
    assert names(json_text(GeneratedImage.meta, "camera") == "x100") == ["a", "c"]
    assert names(json_text(GeneratedImage.meta, "iso") == "400") == ["b"]
    assert names(json_text(GeneratedImage.meta, "camera.model") == "dotted key") == ["e"]
    assert db.session.get_bind().dialect.name in ("sqlite", "postgresql")
