"""Values survive every direction exactly: ids, microsecond UTC timestamps, JSON (SQL NULL apart from
JSON null), IP addresses, UUIDs, decimals, tag arrays, bytes; identity sequences follow the copied ids."""

import os
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from app.transfer.dbcopy import CopyRefused, copy_database

from .instance import (
    build_app,
    close,
    drop_postgres_database,
    migrate,
    migrate_target,
    postgres_database,
)

WHEN = datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=UTC)  # a European DST change, to the microsecond
IMAGE_ID = uuid.UUID("01a24ff6-2102-742b-9622-f9f21afe7a75")


def _fill(app):
    from app.extensions import db
    from app.models import GeneratedImage, GenerationLog, OgGeneration, RollupDirtyHour, User

    with app.app_context():
        user = User(username="zoë", created_at=WHEN)
        db.session.add(user)
        db.session.flush()
        db.session.add_all([
            GenerationLog(user_id=user.id, costs={"image": 0.04, "total": 0.04, "note": "ünï ✓", "nested": [1.5, None]},
                          tokens=None, success=True, created_at=WHEN, image_id=IMAGE_ID),
            GenerationLog(user_id=user.id, costs=None, tokens=None, success=False, created_at=WHEN),
            OgGeneration(seed="a", aspect_ratio="1:1", ip_address="2001:db8::1", created_at=WHEN, updated_at=WHEN),
            OgGeneration(seed="b", aspect_ratio="1:1", ip_address="192.0.2.7", created_at=WHEN, updated_at=WHEN),
            GeneratedImage(id=IMAGE_ID, user_id=user.id, prompt="p", tags=["a", "b c"], cost_usd=Decimal("0.123456"),
                           meta={"k": {"z": 1, "a": [True, False]}}, created_at=WHEN),
        ])
        db.session.commit()
        # SQL NULL in one row, JSON null in the other (the JSON type writes JSON null for None).
        db.session.execute(text("UPDATE generation_logs SET costs = NULL WHERE success = :f"), {"f": False})
        db.session.commit()
        return db.session.scalar(select(db.func.count()).select_from(RollupDirtyHour))


def _state(app):
    from app.extensions import db
    from app.models import GeneratedImage, GenerationLog, OgGeneration, User

    with app.app_context():
        logs = db.session.scalars(select(GenerationLog).order_by(GenerationLog.success)).all()
        image = db.session.get(GeneratedImage, IMAGE_ID)
        return {
            "user": [(u.id, u.username, u.created_at) for u in db.session.scalars(select(User))],
            "logs": [(log.id, log.costs, log.tokens, log.created_at, log.image_id) for log in logs],
            "sql nulls": db.session.scalar(text("SELECT COUNT(*) FROM generation_logs WHERE costs IS NULL")),
            "json nulls": db.session.scalar(text("SELECT COUNT(*) FROM generation_logs WHERE tokens IS NOT NULL")),
            "ips": sorted(o.ip_address for o in db.session.scalars(select(OgGeneration))),
            "image": (image.tags, image.cost_usd, image.meta, image.created_at),
        }


@pytest.fixture
def databases(tmp_path):
    made = [postgres_database("imprint_transfer_a"), postgres_database("imprint_transfer_b")]
    yield made
    for url in made:
        drop_postgres_database(url)


def test_values_survive_every_direction_and_sequences_follow(databases, tmp_path):
    first_pg, second_pg = databases
    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    source = build_app(source_url, tmp_path)
    migrate(source)
    dirty_hours = _fill(source)
    expected = _state(source)
    assert expected["sql nulls"] == 1 and expected["json nulls"] == 2 and dirty_hours >= 1
    close(source)

    back_url = f"sqlite:///{tmp_path / 'back.db'}"
    for origin, target in ((source_url, first_pg), (first_pg, second_pg), (second_pg, back_url)):
        report = copy_database(origin, target, migrate=migrate_target, batch_size=2, echo=lambda _line: None)
        assert report.matches, [t for t in report.tables if not t.matches]
        app = build_app(target, tmp_path)
        assert _state(app) == expected, target
        close(app)

    # The target's own triggers were held off: the derived rows are the source's, not twice.
    app = build_app(second_pg, tmp_path)
    from app.extensions import db
    from app.models import RollupDirtyHour

    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(RollupDirtyHour)) == dirty_hours
        # Identity sequences were moved past the copied ids: the next row takes a new id.
        db.session.add(RollupDirtyHour(source="logs", hour=WHEN))
        db.session.commit()
        ids = db.session.scalars(select(RollupDirtyHour.id)).all()
        assert len(set(ids)) == len(ids) == dirty_hours + 1
    close(app)

    with pytest.raises(CopyRefused, match="already holds rows"):
        copy_database(source_url, second_pg, migrate=migrate_target, echo=lambda _line: None)
    merged = copy_database(source_url, second_pg, merge=True, migrate=migrate_target, echo=lambda _line: None)
    assert merged.rows_copied == 0 or all(t.target_rows >= t.source_rows for t in merged.tables)


@pytest.fixture
def owned_database():
    """A database owned by a role that is not a superuser (as a managed PostgreSQL gives)."""
    from sqlalchemy import create_engine

    url = postgres_database("imprint_transfer_owned")
    server, name = url.rsplit("/", 1)
    role = f"imprint_transfer_owner_{os.getpid()}"
    admin = create_engine(f"{server}/postgres".replace("postgresql://", "postgresql+psycopg://", 1),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        connection.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER'))
        connection.execute(text(f'ALTER DATABASE "{name}" OWNER TO "{role}"'))
    scheme, rest = url.split("://", 1)
    yield f"{scheme}://{role}@{rest.split('@', 1)[-1]}"
    drop_postgres_database(url)
    with admin.connect() as connection:
        connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
    admin.dispose()


def test_a_role_that_is_not_superuser_gets_self_references_and_no_trigger_rows(owned_database, tmp_path):
    from app.extensions import db
    from app.models import GeneratedImage, User

    source_url = f"sqlite:///{tmp_path / 'source.db'}"
    source = build_app(source_url, tmp_path)
    migrate(source)
    dirty_hours = _fill(source)
    child, parent = uuid.UUID(int=1), uuid.UUID(int=2)  # the child sorts (and is copied) first
    with source.app_context():
        user = db.session.scalars(select(User)).first()
        db.session.add(GeneratedImage(id=parent, user_id=user.id, prompt="parent", created_at=WHEN))
        db.session.add(GeneratedImage(id=child, user_id=user.id, prompt="child", parent_id=parent, created_at=WHEN))
        db.session.commit()
    close(source)

    report = copy_database(source_url, owned_database, migrate=migrate_target, batch_size=1, echo=lambda _line: None)
    assert report.matches, [t for t in report.tables if not t.matches]
    app = build_app(owned_database, tmp_path)
    from app.models import RollupDirtyHour

    with app.app_context():
        assert db.session.get(GeneratedImage, child).parent_id == parent
        assert db.session.scalar(select(db.func.count()).select_from(RollupDirtyHour)) == dirty_hours
        assert not db.session.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
    close(app)
