"""``flask tracking check`` (seed 000, "Verify Setup"): one test event, end to end."""

import time
import uuid

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import OgGeneration

from . import queue, spool
from .dispatch import dispatch
from .events import make_event

CHECK_SEED = "tracking-check"


def check_pipeline(app, timeout=10.0, keep=False):
    """Record an og_generation (seed "tracking-check") the configured way and wait for its row."""
    event = make_event("og_generation", {
        "seed": CHECK_SEED, "aspect_ratio": "check", "user_agent": "flask tracking check",
    })
    event_id = uuid.UUID(event["id"])
    started = time.perf_counter()
    rung = dispatch(event, app)
    landed = rung != "spool" and _wait_for_row(event_id, started + timeout)
    latency_ms = (time.perf_counter() - started) * 1000
    if landed and not keep:
        with Session(db.engine) as session, session.begin():
            session.execute(delete(OgGeneration).where(OgGeneration.id == event_id))
    return {
        "rung": rung,
        "landed": landed,
        "latency_ms": round(latency_ms, 2),
        "event_id": str(event_id),
        "redis": _redis_state(app),
        "spool_bytes": spool.pending_bytes(spool.spool_path(app)),
        "spool_path": spool.spool_path(app),
    }


def _wait_for_row(event_id, deadline):
    while True:
        with Session(db.engine) as session:
            if session.scalar(select(OgGeneration.id).where(OgGeneration.id == event_id)):
                return True
        if time.perf_counter() >= deadline:
            return False
        time.sleep(0.02)


def _redis_state(app):
    from app.health import check_redis

    state = check_redis()
    if state["status"] in ("ok", "warning"):
        try:
            state["queued"], state["claimed_batches"] = queue.depth(app)
        except Exception as error:
            state["detail"] = str(error)[:200]
    return state
