"""What delivery costs: image variants (the first request makes one, later ones read it) and the check
of a signed card URL.

    python bench/delivery.py [--rounds 20] [--checks 20000]

Variants: one 1024×1024 generated image (procedural, signed with Content Credentials), each format at
w=320 through ``GET /ai/generated-images/<id>/image``; "first" is a fresh variant each round (the kept
file and its row removed), "kept" is the same URL again. Signatures: ``Policy.refusal`` on a card URL
with five text parameters, a valid signature and an invalid one, two keys configured.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.migrating import upgrade_database  # noqa: E402
from app.models import ImageVariant  # noqa: E402
from app.og.signing import Policy, query_pairs, sign_url  # noqa: E402


def median_ms(samples):
    return statistics.median(samples) * 1000


def bench_variants(app, rounds):
    from app.auth import service

    with app.app_context():
        user = service.create_user("bench", is_admin=True)
        _, key = service.create_api_key(user, is_admin=True)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    made = client.post("/ai/generate", headers=headers, json={"prompt": "a lighthouse", "size": "1024x1024"})
    image = made.get_json()["id"]
    print(f"{'format':<6} {'first ms':>9} {'kept ms':>8} {'bytes':>7}")
    for fmt in ("webp", "avif", "jpeg", "png"):
        url = f"/ai/generated-images/{image}/image?w=320&format={fmt}"
        first, kept, size = [], [], 0
        for _ in range(rounds):
            with app.app_context():
                db.session.query(ImageVariant).delete()
                db.session.commit()
            start = time.perf_counter()
            size = len(client.get(url, headers=headers).data)
            first.append(time.perf_counter() - start)
            start = time.perf_counter()
            client.get(url, headers=headers)
            kept.append(time.perf_counter() - start)
        print(f"{fmt:<6} {median_ms(first):>9.2f} {median_ms(kept):>8.2f} {size:>7}")


def bench_signatures(checks):
    policy = Policy(("new-key-0123456789abcdef", "old-key-0123456789abcdef"), "required")
    url = ("/og/t/acme/v3/launch-2027.png?title=Launch+week&description=Everything+we+shipped"
           "&site=example.com&badge=NEW&author=Ada+Lovelace")
    signed, wrong = sign_url(url, policy.keys[1]), sign_url(url, "someone-else")
    for label, candidate in (("valid (second key)", signed), ("invalid", wrong)):
        path, pairs = candidate.split("?")[0], query_pairs(candidate)
        start = time.perf_counter()
        for _ in range(checks):
            policy.refusal(path, pairs)
        per_check = (time.perf_counter() - start) / checks
        print(f"signature check, {label}: {per_check * 1e6:.1f} µs")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--checks", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATABASE_URL": f"sqlite:///{folder}/bench.db", "SECRET_KEY": "bench",
                          "STORAGE_ROOT": f"{folder}/storage", "AUTO_MIGRATE": False, "RATE_LIMITS_ENABLED": False,
                          "TRACKING_SPOOL_PATH": f"{folder}/spool.jsonl",
                          "QUOTA_COUNTERS_PATH": f"{folder}/quota.json"})
        upgrade_database(app)
        bench_variants(app, args.rounds)
        app.extensions["tracking"].close()
    bench_signatures(args.checks)


if __name__ == "__main__":
    main()
