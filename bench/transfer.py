"""`flask db copy` throughput: a ledger of N generation logs (1M by default) copied between databases.

    .venv/bin/python bench/transfer.py                       # 1,000,000 logs
    .venv/bin/python bench/transfer.py --rows 200000 --batch-size 5000

Fills a SQLite file (1,000 users and N generation_logs with JSON costs, token
counts and step timings, spread over 90 days), then copies it SQLite →
PostgreSQL and back PostgreSQL → SQLite with ``copy_database`` (the code of
``flask db copy``) and prints, per direction, the copy time (rows written and
committed with their progress) and the verification time (row count and
checksum of every table on both sides), rows/s and MB/s. MB is the size of the
source's generation_logs as SQLite stores it (dbstat), the same figure both ways.
The PostgreSQL database (``--database``, default a database of its own on the
local server) is created and dropped by the script.
"""

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import insert, text  # noqa: E402

STYLES = ["anime", "comic", "photo", "watercolor", "pixel", "oil", "sketch", "neon"]


def fill(app, rows, seed=7):
    from app.extensions import db
    from app.models import GenerationLog, User

    rng = random.Random(seed)
    now = datetime.now(UTC)
    with app.app_context():
        users = [{"id": uuid.uuid4(), "username": f"user{n}", "created_at": now} for n in range(1000)]
        db.session.execute(insert(User), users)
        db.session.commit()
        batch = []
        for n in range(rows):
            cost = round(rng.uniform(0.001, 0.08), 6)
            batch.append({
                "id": uuid.UUID(int=rng.getrandbits(128)), "user_id": users[n % len(users)]["id"],
                "style": rng.choice(STYLES), "difficulty": rng.randint(1, 5), "duration_ms": rng.randint(200, 9000),
                "costs": {"image": cost, "total": cost}, "tokens": {"input": rng.randint(5, 80), "output": 0},
                "success": rng.random() > 0.05, "provider": "openai", "model": "gpt-image-1",
                "tool_name": "generateUserImage", "photo_size": "1024x1024",
                "steps": {"prompt_building": 0.4, "provider_call": float(rng.randint(200, 9000)), "storage": 3.1},
                "created_at": now - timedelta(seconds=rng.randint(0, 90 * 86400)),
            })
            if len(batch) == 10_000:
                db.session.execute(insert(GenerationLog), batch)
                db.session.commit()
                batch = []
        if batch:
            db.session.execute(insert(GenerationLog), batch)
            db.session.commit()
        db.session.execute(text("DELETE FROM rollup_dirty_hours"))  # rows the triggers derived: not the subject
        db.session.commit()


def table_megabytes(sqlite_path):
    import sqlite3

    connection = sqlite3.connect(sqlite_path)
    try:
        size = connection.execute("SELECT SUM(pgsize) FROM dbstat WHERE name = 'generation_logs'").fetchone()[0]
    except sqlite3.OperationalError:  # a SQLite built without dbstat: the whole file
        size = os.path.getsize(sqlite_path)
    connection.close()
    return size / 1e6


def timed_copy(source, target, batch_size, megabytes, label):
    from app import create_app
    from app.transfer.dbcopy import copy_database
    from app.transfer.engines import app_migrator

    marks = {}

    def echo(line):
        if line.startswith("verifying"):
            marks["verify"] = time.perf_counter()

    started = time.perf_counter()
    report = copy_database(source, target, batch_size=batch_size, migrate=app_migrator(create_app, "bench"), echo=echo)
    ended = time.perf_counter()
    copy_seconds = marks["verify"] - started
    rows = report.rows_copied
    print(f"{label:<24} {rows:>10,} {copy_seconds:>8.1f} {rows / copy_seconds:>10,.0f} "
          f"{megabytes / copy_seconds:>7.2f} {ended - marks['verify']:>9.1f}  {'ok' if report.matches else 'DIFF'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/imprint_transfer_bench")
    args = parser.parse_args()

    from app import create_app
    from app.migrating import upgrade_database

    directory = tempfile.mkdtemp(prefix="imprint-bench-transfer-")
    os.environ.setdefault("IMPRINT_INSTANCE_PATH", os.path.join(directory, "instance"))
    source = f"sqlite:///{os.path.join(directory, 'source.db')}"
    app = create_app({"DATABASE_URL": source, "REDIS_URL": None, "SECRET_KEY": "bench", "AUTO_MIGRATE": False,
                      "STORAGE_ROOT": os.path.join(directory, "storage")})
    upgrade_database(app)
    started = time.perf_counter()
    fill(app, args.rows)
    app.extensions["tracking"].close()
    print(f"filled {args.rows:,} generation logs in {time.perf_counter() - started:.1f} s")
    megabytes = table_megabytes(os.path.join(directory, "source.db"))
    print(f"generation_logs: {megabytes:,.1f} MB in SQLite; batch size {args.batch_size}")
    from app.transfer.engines import drop_postgres_database, recreate_postgres_database

    recreate_postgres_database(args.database)
    try:
        print(f"{'direction':<24} {'rows':>10} {'copy s':>8} {'rows/s':>10} {'MB/s':>7} {'verify s':>9}")
        timed_copy(source, args.database, args.batch_size, megabytes, "SQLite → PostgreSQL")
        timed_copy(args.database, f"sqlite:///{os.path.join(directory, 'back.db')}", args.batch_size, megabytes,
                   "PostgreSQL → SQLite")
    finally:
        drop_postgres_database(args.database)
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
