"""Prompt templates: rendering, recording usages, and statistics over many usages.

    .venv/bin/python bench/prompts.py                                   # a temporary SQLite file
    .venv/bin/python bench/prompts.py --database-url postgresql://postgres@127.0.0.1:5432/test_prompts

PostgreSQL: the database's public schema is DROPPED and rebuilt. Prints the
median of: render_prompt() in-process, POST /prompts/<id>/render, recording
one usage (record_usage, today's synchronous tracking writer), and GET
/stats, /stats?version=N, /scenes and /top/used over --usages prompt_usage rows.
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

from sqlalchemy import create_engine, insert, text  # noqa: E402


def median_ms(fn, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def build_app(url):
    from app import create_app
    from app.migrating import upgrade_database

    if url.startswith("postgresql"):
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    app = create_app({"DATABASE_URL": url, "AUTO_MIGRATE": False, "LOG_LEVEL": "WARNING"})
    upgrade_database(app)
    return app


def load_usages(app, count, prompt_ids):
    from app.extensions import db
    from app.models import PromptUsage

    rng = random.Random(7)
    now = datetime.now(UTC)
    rows = [
        {
            "id": uuid.uuid4(), "prompt_id": prompt_ids[0] if n % 2 else rng.choice(prompt_ids),
            "prompt_version": 1 + n % 3, "scene": f"scene-{n % 20}", "success": rng.random() < 0.9,
            "generation_time_ms": rng.randint(800, 30_000), "created_at": now - timedelta(seconds=n),
        }
        for n in range(count)
    ]
    with app.app_context():
        for start in range(0, count, 5000):
            db.session.execute(insert(PromptUsage), rows[start:start + 5000])
        db.session.commit()
        from app.prompts.stats import recount_counters
        from app.prompts.templates import update_prompt

        for n in (2, 3):  # versions 2 and 3 of the most used template
            update_prompt(prompt_ids[0], template=f"version {n} of {{scene}}")

        recount_counters()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--usages", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    app = build_app(url)
    from app.prompts.library import seed_prompts
    from app.prompts.templates import render_prompt
    from app.prompts.usage import record_usage

    with app.app_context():
        ids = seed_prompts()["created"]
    variables = {"character": "Ada", "scene": "on a beach", "outfit": "linen shirt", "environment": "dunes"}
    client = app.test_client()
    print(f"database: {url.split(':')[0]}, {len(ids)} templates")
    with app.app_context():
        print(f"render_prompt()                     {median_ms(lambda: render_prompt(ids[0], variables), 2000) * 1000:8.1f} µs")
    render = lambda: client.post(f"/prompts/{ids[0]}/render", json={"variables": variables})  # noqa: E731
    print(f"POST /prompts/<id>/render            {median_ms(render, args.repeat * 4):8.2f} ms")
    with app.app_context():
        record = lambda: record_usage(ids[1], success=True, scene="s", generation_time_ms=1000)  # noqa: E731
        one = median_ms(record, 500)
    print(f"record_usage() (sync writer)         {one:8.2f} ms  (~{1000 / one:,.0f} usages/s, one thread)")
    load_usages(app, args.usages, ids)
    print(f"with {args.usages:,} prompt_usage rows ({args.usages // 2:,}+ on one template):")
    for path in (f"/prompts/{ids[0]}/stats", f"/prompts/{ids[0]}/stats?version=2",
                 f"/prompts/{ids[0]}/scenes", "/prompts/top/used?limit=10"):
        response = client.get(path)
        assert response.status_code == 200, response.get_json()
        print(f"GET {path:<40} {median_ms(lambda p=path: client.get(p), args.repeat):8.2f} ms")


if __name__ == "__main__":
    main()
