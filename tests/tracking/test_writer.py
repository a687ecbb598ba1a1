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


def test_recorded_values_become_plain_json():
    from decimal import Decimal

    event = make_event("generation_log", {"costs": {"image": Decimal("0.04")}, "user_id": uuid.uuid4(),
                                          "tokens": {"input": 3}, "style": "anime"})
    assert event["fields"]["costs"] == {"image": 0.04}
    assert isinstance(event["fields"]["user_id"], str)


def test_a_large_batch_takes_the_bulk_path_with_json_and_counters(db_session):
    db_session.add(Prompt(id="p", name="P", template="{scene}"))
    db_session.commit()
    events = [make_event("prompt_usage", {"prompt_id": "p", "success": n % 2 == 0,
                                          "variables": {"scene": f"cafe {n}", "quote": 'a "b"\n'}})
              for n in range(120)]
    assert write_events(events) == 120
    assert write_events(events) == 0
    db_session.expire_all()
    assert (db_session.get(Prompt, "p").usage_count, db_session.get(Prompt, "p").success_count) == (120, 60)
    usage = db_session.get(PromptUsage, uuid.UUID(events[7]["id"]))
    assert usage.variables == {"scene": "cafe 7", "quote": 'a "b"\n'} and usage.success is False
