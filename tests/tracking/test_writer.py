"""Events are written idempotently on their id; counters move once per event."""

import uuid

from sqlalchemy import func, select

from app.models import OgGeneration, Prompt, PromptUsage
from app.tracking.events import make_event
from app.tracking.writer import write_events


def test_the_same_event_written_twice_is_one_row(db_session):
    event = make_event("og_generation", {"seed": "s", "aspect_ratio": "default", "ip_address": "198.51.100.7"})
    assert write_events([event]) == 1
    assert write_events([event, event]) == 0
    row = db_session.scalars(select(OgGeneration)).one()
    assert row.id == uuid.UUID(event["id"]) and row.ip_address == "198.51.100.7"
    assert row.created_at.isoformat() == event["recorded_at"]


def test_prompt_counters_move_once_per_event(db_session):
    db_session.add(Prompt(id="portrait-selfie-casual", name="Selfie", template="{scene}"))
    db_session.commit()
    events = [
        make_event("prompt_usage", {"prompt_id": "portrait-selfie-casual", "success": index % 3 != 0})
        for index in range(9)
    ]
    assert write_events(events[:5]) == 5
    assert write_events(events) == 4  # a replay of the first five adds nothing
    db_session.expire_all()
    prompt = db_session.get(Prompt, "portrait-selfie-casual")
    assert (prompt.usage_count, prompt.success_count) == (9, 6)
    assert db_session.scalar(select(func.count()).select_from(PromptUsage)) == 9


def test_unknown_fields_are_refused_when_recorded():
    import pytest

    with pytest.raises(ValueError, match="unknown fields"):
        make_event("og_generation", {"seed": "s", "nonsense": 1})
