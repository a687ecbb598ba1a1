"""History and analytics at scale: 1M generated_images + 1M generation_logs.

    .venv/bin/python bench/history.py                      # PostgreSQL (bench_history) and SQLite
    .venv/bin/python bench/history.py --only postgresql --rows 200000 --repeat 10
    .venv/bin/python bench/history.py --match spend       # only the cases whose label holds "spend"

Loads the rows (COPY on PostgreSQL, executemany batches on SQLite) spread
over the last 90 days, rolls them up (``refresh_rollups``, timed), then prints
the median latency, through the Flask test client with an admin key, of: the
first history page, page 1,000 by cursor and by offset, the stats endpoint and
each BI endpoint (default windows) and the spend reports (by user, key,
provider, model, tag, day; top spenders). The endpoints that read hourly rollups are
measured twice: ``direct`` (HISTORY_ROLLUPS off: the SQL over every row of
the window) and ``rollup``. Last, the cost of a refresh after a late batch of
1,000 tracking events spread over the last 30 days.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import create_engine, delete, insert, select, text  # noqa: E402

STYLES = ["anime", "comic", "photo", "watercolor", "pixel", "oil", "sketch", "neon"]
TOOLS = ["generateUserImage", "generateComic", "generateAnimeManga", "generateIconEmoji"]
ERRORS = ["provider timeout", "HTTP 429: rate limit exceeded", "content policy violation", "storage error"]
USERS = 1000
PAGE = 50
KEYS = [uuid.UUID(int=n + 1) for n in range(200)]  # each user's key (no FK on api_key_id: keys may be gone)
MODELS = {"openai": ["gpt-image-1.5", "gpt-image-1-mini"], "gemini": ["gemini-2.5-flash-image"],
          "procedural": ["procedural-v1"]}


def make_rows(count, users, now, seed):
    """Yield (image, log) dicts spread over 90 days, newest last."""
    rng = random.Random(seed)
    span = 90 * 86400
    for n in range(count):
        created = now - timedelta(seconds=span * (count - n) / count)
        index = rng.randrange(USERS)
        user = users[index]
        failed = rng.random() < 0.05
        style = rng.choice(STYLES)
        cost = round(rng.uniform(0.01, 0.08), 4)
        image = {
            "id": uuid.uuid4(), "user_id": user, "tool_name": rng.choice(TOOLS), "prompt": f"prompt {n} {style}",
            "model": "gpt-image-1", "provider": rng.choice(["openai", "gemini", "procedural"]),
            "style": style, "bytes": rng.randint(50_000, 900_000), "tags": [style, "bench"],
            "status": "failed" if failed else "success", "meta": {"n": n % 100}, "created_at": created,
            "storage_key": f"bench/{n}.png",
        }
        log = {
            "id": uuid.uuid4(), "user_id": user, "job_id": f"job-{n}", "style": style,
            "difficulty": rng.randint(1, 5), "duration_ms": rng.randint(800, 40_000),
            "costs": None if rng.random() < 0.02 else {"image": cost, "total": cost},
            "tokens": {"input": 100, "output": 0}, "success": not failed,
            "error_message": rng.choice(ERRORS) if failed else None, "provider": image["provider"],
            "model": rng.choice(MODELS[image["provider"]]), "api_key_id": KEYS[index % len(KEYS)],
            "tags": [style, "bench"], "images": 0 if failed else 1,
            "created_at": created + timedelta(milliseconds=5),
        }
        yield image, log


def load_postgres(app, rows, batch):
    """COPY both tables through psycopg 3."""
    from psycopg.types.json import Jsonb

    from app.extensions import db

    image_cols = ["id", "user_id", "tool_name", "prompt", "model", "provider", "style", "bytes", "tags",
                  "status", "metadata", "created_at", "storage_key"]
    log_cols = ["id", "user_id", "job_id", "style", "difficulty", "duration_ms", "costs", "tokens", "success",
                "error_message", "provider", "model", "api_key_id", "tags", "images", "created_at"]
    raw = db.engine.raw_connection()
    try:
        connection = raw.driver_connection
        # One COPY at a time per connection: images from one pass of the rows, logs from a second.
        with connection.cursor() as cursor:
            with cursor.copy(f"COPY generated_images ({', '.join(image_cols)}) FROM STDIN") as copy:
                for image, _log in rows():
                    image["metadata"] = Jsonb(image.pop("meta"))
                    copy.write_row([image[c] for c in image_cols])
            with cursor.copy(f"COPY generation_logs ({', '.join(log_cols)}) FROM STDIN") as copy:
                for _image, log in rows():
                    log["costs"] = None if log["costs"] is None else Jsonb(log["costs"])
                    log["tokens"] = Jsonb(log["tokens"])
                    copy.write_row([log[c] for c in log_cols])
        connection.commit()
    finally:
        raw.close()


def load_sqlite(app, rows, batch):
    from app.extensions import db
    from app.models import GeneratedImage, GenerationLog

    images, logs = [], []
    with db.engine.begin() as connection:
        for image, log in rows():
            image["metadata"] = image.pop("meta")
            images.append(image)
            logs.append(log)
            if len(images) >= batch:
                connection.execute(insert(GeneratedImage.__table__), images)
                connection.execute(insert(GenerationLog.__table__), logs)
                images, logs = [], []
        if images:
            connection.execute(insert(GeneratedImage.__table__), images)
            connection.execute(insert(GenerationLog.__table__), logs)


ROLLED_UP = {"/history/images/stats", "/analytics/top-styles", "/analytics/engagement",
             "/analytics/cost-by-difficulty", "/analytics/dashboard", "/analytics/spend", "/analytics/top-spenders"}


def prepare(url, count, instance):
    from app import create_app
    from app.auth import service
    from app.extensions import db
    from app.migrating import upgrade_database
    from app.rollup.refresh import forget_rollups, refresh_rollups

    settings = {"DATABASE_URL": url, "SECRET_KEY": "bench", "STORAGE_ROOT": os.path.join(instance, "s"),
                "AUTO_MIGRATE": False}
    app = create_app(settings)
    direct = create_app({**settings, "HISTORY_ROLLUPS": False})
    upgrade_database(app)
    with app.app_context():
        have = db.session.scalar(text("SELECT count(*) FROM generation_logs"))
        if have != count:
            print(f"  loading {count:,} images + {count:,} logs …", flush=True)
            tables = ("posts", "generated_images", "generation_logs", "api_keys", "users")
            if url.startswith("postgresql"):  # DELETE checks parent_id row by row: hours for 1M images
                db.session.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
            else:
                for table in tables:
                    db.session.execute(text(f"DELETE FROM {table}"))
            db.session.commit()
            forget_rollups()
            users = [service.create_user(f"bench{n}").id for n in range(USERS)]
            db.session.commit()
            db.session.close()  # on SQLite even a read holds the write lock (BEGIN IMMEDIATE)
            started = time.perf_counter()
            now = datetime.now(UTC)

            def rows():
                return make_rows(count, users, now, seed=1)

            (load_postgres if url.startswith("postgresql") else load_sqlite)(app, rows, 20_000)
            db.session.execute(text("ANALYZE"))
            db.session.commit()
            print(f"  loaded in {time.perf_counter() - started:.0f} s", flush=True)
        admin = service.find_user("bench-admin") or service.create_user("bench-admin", is_admin=True)
        _key, plaintext = service.create_api_key(admin, is_admin=True)
        db.session.commit()
        db.session.close()
        started = time.perf_counter()
        hours = refresh_rollups()
        print(f"  rollup refresh: {hours} hour(s) in {time.perf_counter() - started:.1f} s", flush=True)
    return app, direct, plaintext


def late_refresh(app, users, days=30, events=1000):
    """Write a late batch of tracking events over the last ``days`` and time the refresh that follows."""
    from app.extensions import db
    from app.models import GenerationLog
    from app.rollup.refresh import refresh_rollups
    from app.tracking.events import make_event
    from app.tracking.writer import write_events

    rng = random.Random(3)
    now = datetime.now(UTC)
    batch = [make_event("generation_log", {
        "user_id": rng.choice(users), "style": rng.choice(STYLES), "difficulty": rng.randint(1, 5),
        "success": True, "costs": {"total": 0.02}, "created_at": now - timedelta(seconds=rng.randrange(days * 86400)),
    }) for _ in range(events)]
    with app.app_context():
        write_events(batch)
        started = time.perf_counter()
        hours = refresh_rollups()
        elapsed = (time.perf_counter() - started) * 1000
        # leave the million rows as they were, for the next run
        db.session.execute(delete(GenerationLog).where(GenerationLog.id.in_([uuid.UUID(e["id"]) for e in batch])))
        db.session.commit()
        refresh_rollups()
        return hours, elapsed


def cursor_for_page(app, page):
    from app.extensions import db
    from app.history.cursor import encode_cursor
    from app.models import GeneratedImage as image

    with app.app_context():
        row = db.session.execute(
            select(image.created_at, image.id).order_by(image.created_at.desc(), image.id.desc())
            .offset(page * PAGE - 1).limit(1)
        ).one()
    return encode_cursor(row.created_at, row.id)


def measure(client, headers, url, repeat):
    timings = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:300])
    return statistics.median(timings[1:])  # the first call warms caches and is left out


def run(name, url, count, repeat, instance, match=None):
    print(f"{name}: {url}", flush=True)
    app, direct, key = prepare(url, count, instance)
    client, headers = app.test_client(), {"Authorization": f"Bearer {key}"}
    direct_client = direct.test_client()
    page = min(1000, count // PAGE - 1)  # page 1,000 when there are enough rows
    cursor = cursor_for_page(app, page - 1)
    cases = [
        ("history page 1", f"/history/images?limit={PAGE}"),
        (f"history page {page:,} by cursor", f"/history/images?limit={PAGE}&cursor={cursor}"),
        (f"history page {page:,} by offset", f"/history/images?limit={PAGE}&offset={(page - 1) * PAGE}"),
        ("one user's page 1", None),
        ("images stats (all rows)", "/history/images/stats"),
        ("logs page 1", f"/history/logs?limit={PAGE}"),
        ("top styles (30d)", "/analytics/top-styles"),
        ("engagement by hour (7d)", "/analytics/engagement"),
        ("cost by difficulty (30d)", "/analytics/cost-by-difficulty"),
        ("latency avg + p95 (24h)", "/analytics/latency"),
        ("errors (7d)", "/analytics/errors"),
        ("dashboard (24h + retention)", "/analytics/dashboard"),
        *((f"spend by {group} (30d)", f"/analytics/spend?group_by={group}") for group in
          ("user", "key", "provider", "model", "tag", "day")),
        ("spend by key, 90d, CSV", "/analytics/spend?group_by=key&window=90d&format=csv"),
        ("top spenders (30d)", "/analytics/top-spenders"),
    ]
    from app.extensions import db
    from app.models import User

    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == "bench7"))
        users = db.session.scalars(select(User.id).where(User.username.like("bench%"))).all()
    print(f"  {'':32s} {'direct':>9s}    {'rollup':>9s}", flush=True)
    for label, path in cases:
        if match and match not in label:
            continue
        path = path or f"/history/images?limit={PAGE}&user={user_id}"
        rolled = measure(client, headers, path, repeat)
        if path.split("?")[0] in ROLLED_UP:
            print(f"  {label:32s} {measure(direct_client, headers, path, repeat):9.1f} ms {rolled:9.1f} ms",
                  flush=True)
        else:
            print(f"  {label:32s} {rolled:9.1f} ms", flush=True)
    if match:
        return
    hours, elapsed = late_refresh(app, users)
    print(f"  refresh after 1,000 late events over 30 days: {hours} hour(s) in {elapsed:.0f} ms", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL",
                                                           "postgresql://postgres@127.0.0.1:5432/bench_rollup"))
    parser.add_argument("--sqlite-path", default=os.path.join(tempfile.gettempdir(), "bench_rollup.db"))
    parser.add_argument("--only", choices=["postgresql", "sqlite"])
    parser.add_argument("--match", help="measure only the cases whose label holds this text (no late refresh)")
    args = parser.parse_args()
    instance = tempfile.mkdtemp(prefix="bench-history-")
    if args.only != "sqlite":
        ensure_database(args.pg_url)
        run("PostgreSQL", args.pg_url, args.rows, args.repeat, instance, args.match)
    if args.only != "postgresql":
        run("SQLite", f"sqlite:///{args.sqlite_path}", args.rows, args.repeat, instance, args.match)


def ensure_database(url):
    base, name = url.rsplit("/", 1)
    engine = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1) + "/postgres",
                           isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


if __name__ == "__main__":
    main()
