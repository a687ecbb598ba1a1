"""Events are written idempotently on their id; counters move once per event."""

import uuid

import pytest
from sqlalchemy import func, select

from app.models import OgGeneration, Prompt, PromptUsage
from app.tracking.events import make_event
from app.tracking.writer import COPY_FROM, write_events


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


def test_a_batch_of_several_kinds_counts_the_new_rows_of_every_kind(db_session):
    db_session.add(Prompt(id="mixed", name="Mixed", template="{scene}"))
    db_session.commit()
    events = [make_event("og_generation", {"seed": "s", "aspect_ratio": "og"}),
              make_event("generation_log", {"provider": "procedural", "success": True}),
              make_event("prompt_usage", {"prompt_id": "mixed", "success": True})]
    assert write_events(events[:1]) == 1
    assert write_events(events) == 2  # the og card was written already
    assert write_events(events) == 0


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


def test_sqlite_executemany_stores_what_the_orm_path_stores(db_session):
    """Local mode's prepared executemany and SQLAlchemy's INSERT leave the same stored values."""
    import pytest
    from sqlalchemy import text

    from app.tracking import writer

    if db_session.get_bind().dialect.name != "sqlite":
        pytest.skip("the prepared path is SQLite's")
    writer._prepared.cache_clear()  # built afresh: a statement cached by an earlier test is not what is checked here
    for kind, fields in (
        ("og_generation", {"seed": "日本語 seed", "aspect_ratio": "og", "ip_address": "2001:db8::1",
                           "custom_width": 900, "render_time_ms": 1.25, "quote_text": "a\x00b 🚀"}),
        ("generation_log", {"provider": "openai", "model": "gpt-image-1.5", "success": True,
                            "image_id": uuid.uuid4(), "costs": {"image": 0.04}, "tokens": {"input": 3},
                            "steps": {"provider_call": 830.5}, "created_at": "2026-11-30T23:59:59.123456+00:00"}),
    ):
        ours, theirs = make_event(kind, dict(fields)), make_event(kind, dict(fields))
        assert writer._executemany_sqlite(db_session, kind, [ours]) == (1, None)
        assert writer._insert_rows(db_session, kind, [theirs]) == (1, None)
        db_session.commit()
        table = writer.KINDS[kind].__table__.name
        stored = {row.id: row._asdict() for row in db_session.execute(text(f"select * from {table}"))}
        assert len(stored) == 2
        a, b = (stored[uuid.UUID(event["id"]).hex] for event in (ours, theirs))
        a.pop("id"), b.pop("id")
        if kind == "og_generation":  # both stamped from their own event's recorded_at
            assert a.pop("created_at") == a.pop("updated_at") == ours["recorded_at"][:26].replace("T", " ")
            b.pop("created_at"), b.pop("updated_at")
        assert a == b


def test_event_ids_are_time_ordered():
    ids = [uuid.UUID(make_event("og_generation", {"seed": "s", "aspect_ratio": "og"})["id"]) for _ in range(3)]
    assert {i.version for i in ids} == {7}
    stamps = [i.int >> 80 for i in ids]  # the leading 48 bits: milliseconds
    assert stamps == sorted(stamps) and len(set(ids)) == 3


def test_forked_workers_make_different_ids():
    """gunicorn forks its workers from one process: each must draw its own random bits."""
    import os

    from app.models.types import uuid7

    uuid7()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.write(write, uuid7().bytes)
        os._exit(0)
    os.waitpid(child, 0)
    theirs, ours = os.read(read, 16), uuid7().bytes
    os.close(read), os.close(write)
    assert theirs[6:] != ours[6:]  # the 74 random bits (and version, variant) after the 48-bit time


def test_a_tracking_column_with_a_default_the_prepared_insert_would_skip_is_refused(monkeypatch):
    """SQLite's prepared INSERT binds NULL for a value an event leaves out: a column whose default the ORM
    would have applied is refused, by name, before any row is written without it."""
    import pytest
    from sqlalchemy import Column, MetaData, String, Table, Uuid

    from app.tracking import writer

    table = Table("tracking_example", MetaData(), Column("id", Uuid, primary_key=True, default=uuid.uuid4),
                  Column("state", String(16), default="new"))
    monkeypatch.setitem(writer.KINDS, "example", type("Example", (), {"__table__": table}))
    monkeypatch.setitem(writer.STAMPED, "example", set())
    with pytest.raises(RuntimeError) as refused:
        writer._Prepared("example")
    assert str(refused.value) == "tracking_example.state has a default the tracking writer does not apply"


@pytest.mark.parametrize("batch", [4, COPY_FROM], ids=["insert", "bulk"])
def test_a_value_its_column_cannot_take_sets_aside_that_event_and_writes_the_rest(app, tmp_path, batch):
    """An id that is not text (a caller's slip: ``make_event`` takes any JSON value) must not hold back the
    batch it came in, whichever path writes it: the event goes to the rejected file, the others land."""
    import json

    from app.extensions import db
    from app.models import GenerationLog
    from app.tracking.store import write_batch

    good = [make_event("generation_log", {"provider": "procedural", "success": True}) for _ in range(batch - 1)]
    bad = make_event("generation_log", {"provider": "procedural", "success": True, "user_id": 5})
    rejected = tmp_path / "rejected.jsonl"
    with app.app_context():
        assert write_batch(db.engine, [*good, bad], str(rejected)) == batch - 1
        assert db.session.scalar(select(func.count()).select_from(GenerationLog)) == batch - 1
    kept = [json.loads(line) for line in rejected.read_text().splitlines()]
    assert [event["id"] for event in kept] == [bad["id"]] and kept[0]["rejected"]
