"""``flask tracking check`` (verify the setup): one test event, end to end."""

import time
import uuid

from prometheus_client import REGISTRY
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.extensions import held
from app.health import check_redis
from app.models import OgGeneration

from . import queue, spool
from .events import make_event

CHECK_SEED = "tracking-check"


def check_pipeline(app, timeout=10.0, keep=False):
    """Record an og_generation (seed "tracking-check") through the app's chain and wait for its row."""
    tracker = held("tracking", app)
    event = make_event("og_generation", {
        "seed": CHECK_SEED, "aspect_ratio": "check", "user_agent": "flask tracking check",
    })
    event_id = uuid.UUID(event["id"])
    before = _sent()
    started = time.perf_counter()
    tracker.chain.send([event])
    tracker.chain.flush(None)
    transport = _last_taker(before, _sent())
    engine = tracker.database.engine
    landed = transport != "spool" and _wait_for_row(engine, event_id, started + timeout)
    latency_ms = (time.perf_counter() - started) * 1000
    if landed and not keep:
        with Session(engine) as session, session.begin():
            session.execute(delete(OgGeneration).where(OgGeneration.id == event_id))
    return {
        "transport": transport,
        "landed": landed,
        "latency_ms": round(latency_ms, 2),
        "event_id": str(event_id),
        "redis": _redis_state(app),
        "spool_bytes": spool.pending_bytes(spool.spool_path(app)),
        "spool_path": spool.spool_path(app),
    }


TRANSPORTS = ("redis", "database", "spool")  # in chain order


def _sent():
    return {name: REGISTRY.get_sample_value("imprint_tracking_events_sent_total", {"transport": name}) or 0
            for name in TRANSPORTS}


def _last_taker(before, after):
    """The last transport of the chain that passed events on during the check (this process only)."""
    moved = [name for name in TRANSPORTS if after[name] > before[name]]
    return moved[-1] if moved else "none"


def _wait_for_row(engine, event_id, deadline):
    while True:
        with Session(engine) as session:
            if session.scalar(select(OgGeneration.id).where(OgGeneration.id == event_id)):
                return True
        if time.perf_counter() >= deadline:
            return False
        time.sleep(0.02)


def _redis_state(app):
    state = check_redis()
    if state["status"] in ("ok", "warning"):
        try:
            state["queued"], state["claimed_batches"] = queue.depth(app)
        except Exception as error:
            state["detail"] = str(error)[:200]
    return state
