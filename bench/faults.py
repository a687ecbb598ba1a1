"""Faults under load, then an exact count of tracking events: none lost, none duplicated.

    .venv/bin/python bench/faults.py [--threads 4] [--gap 8]

Starts the private stack of bench/stack.py (its own PostgreSQL and Redis on
free ports: the machine's shared servers are never stopped), runs the mixed
load of bench/load.py and, one after another with ``--gap`` seconds of calm
between them:

1. PostgreSQL stopped (``pg_ctl stop -m fast``: sessions are cut) for 5 s, then started;
2. Redis stopped (SHUTDOWN by SIGTERM) for 10 s, then started on the same port and files;
3. a tracking worker SIGKILLed while it holds a claimed batch, restarted 2 s later;
4. gunicorn reloaded with SIGHUP: every web worker is stopped with SIGTERM and replaced.

Then the load stops, the system settles (queue drained, ``flask tracking
replay``) and it counts. Each OG request carries its own User-Agent, so its
``og_generations`` row is found by it; each AI generation answered 201 names
its image, whose ``generation_logs`` row has that ``image_id``. Requests that
failed are listed by kind and by the fault they fell into. Exit status 1 if an
event was lost or duplicated, or a request failed other than with a 503 +
Retry-After on an endpoint that needs the database while it was down.
"""

import argparse
import collections
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import redis  # noqa: E402
from loadgen import CACHED_SEEDS, MIXED, Load, og_path, ok  # noqa: E402
from stack import Stack  # noqa: E402

from app.tracking import queue  # noqa: E402

DATABASE_GROUPS = {"history", "stats", "ai_generate"}  # cannot be answered without PostgreSQL
SETTINGS = {"TRACKING_CLAIM_TIMEOUT": 10, "TRACKING_REPLAY_INTERVAL": 5}


def supervise(stack, exits):
    """Restart a tracking worker that exited, as systemd's Restart=always does; note it."""
    for index, worker in enumerate(stack.workers):
        if worker.poll() is not None:
            exits.append(worker.returncode)
            stack.start_worker(index=index)


def kill_mid_batch(stack, client, exits, attempts=30):
    """Freeze every worker, let events queue, thaw one and SIGKILL it once it holds a claim."""
    for _ in range(attempts):
        supervise(stack, exits)
        for worker in stack.workers:
            os.kill(worker.pid, signal.SIGSTOP)
        time.sleep(1)  # events pile up: the next claim is a real batch
        victim, others = stack.workers[0], stack.workers[1:]
        os.kill(victim.pid, signal.SIGCONT)
        deadline = time.monotonic() + 2
        held = 0
        while time.monotonic() < deadline and not held:
            held = client.zcard(queue.CLAIMS_KEY)
        if held:
            os.kill(victim.pid, signal.SIGKILL)
            victim.wait()
            claims = client.zrange(queue.CLAIMS_KEY, 0, -1)
            in_claims = sum(client.llen(claim) for claim in claims)
        for worker in others:
            os.kill(worker.pid, signal.SIGCONT)
        if held:
            return victim.pid, in_claims
    return None, 0


def settle(stack, client, timeout=180):
    """Wait for the queue and the claims to empty, replay the spool; seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if client.llen(queue.EVENTS_KEY) == 0 and client.zcard(queue.CLAIMS_KEY) == 0:
            break
        time.sleep(0.5)
    else:
        print(f"  queue not drained after {timeout}s: {client.llen(queue.EVENTS_KEY)} queued, "
              f"{client.zcard(queue.CLAIMS_KEY)} claims")
    out = stack.flask("tracking", "replay").stdout.strip()
    print(f"  flask tracking replay: {out}")
    return time.monotonic() - started


def phase_of(result, windows):
    for name, start, end in windows:
        if start <= result.end and result.start <= end:
            return name
    return "no fault"


def count_events(stack, results):
    og_answered = collections.Counter(r.ident for r in results if r.group.startswith("og") and ok(r))
    og_rows = collections.Counter()
    for line in stack.psql("select user_agent, count(*) from og_generations where user_agent like "
                           "'imprint-bench/faults-%' group by user_agent").split():
        ua, n = line.rsplit("|", 1)
        og_rows[ua] = int(n)
    ai_answered = collections.Counter(r.ident for r in results if r.group == "ai_generate" and r.status == 201)
    ai_rows = collections.Counter()
    for line in stack.psql("select image_id, count(*) from generation_logs where success "
                           "and image_id is not null group by image_id").split():
        image_id, n = line.rsplit("|", 1)
        ai_rows[image_id] = int(n)
    images = set(stack.psql("select id from generated_images").split())
    counts = {}
    for name, answered, rows in (("og_generations", og_answered, og_rows), ("generation_logs", ai_answered, ai_rows)):
        counts[name] = {
            "recorded": sum(answered.values()),
            "in database": sum(min(rows[i], 1) for i in answered),
            "lost": sum(1 for i in answered if rows[i] == 0),
            "duplicated": sum(n - 1 for n in rows.values() if n > 1),
            "rows without an answered request": sum(1 for i in rows if i not in answered),
        }
    counts["generation_logs"]["images missing"] = sum(1 for i in ai_answered if i not in images)
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--gap", type=float, default=8, help="seconds of calm before and between faults")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    with Stack(SETTINGS, tracking_workers=2, keep=args.keep) as stack:
        key = stack.start()
        for seed in CACHED_SEEDS:
            stack.get(og_path(seed))
        client = redis.Redis(port=stack.redis_port, socket_timeout=5)
        load = Load(stack.web_port, key, MIXED, threads=args.threads, run_id="faults")
        load.start(seconds=600)  # stopped below; 600 s is the bound
        began = time.monotonic()
        windows, exits = [], []
        print(f"stack up: gunicorn :{stack.web_port}, PostgreSQL :{stack.pg_port}, Redis :{stack.redis_port}, "
              f"2 tracking workers; load from {args.threads} threads", flush=True)
        try:
            time.sleep(args.gap)
            start = time.monotonic()
            stack.stop_postgres("fast")
            down = time.monotonic()
            time.sleep(5)
            stack.start_postgres(initialise=False)
            windows.append(("PostgreSQL down", start, time.monotonic() + 1))
            print(f"  {start - began:5.1f}s PostgreSQL stopped (fast), {time.monotonic() - down:.1f}s down, "
                  "started", flush=True)

            time.sleep(args.gap)
            start = time.monotonic()
            stack.stop_redis()
            time.sleep(10)
            stack.start_redis()
            windows.append(("Redis down", start, time.monotonic() + 1))
            print(f"  {start - began:5.1f}s Redis stopped for 10 s, started", flush=True)

            time.sleep(args.gap)
            start = time.monotonic()
            supervise(stack, exits)
            pid, in_claim = kill_mid_batch(stack, client, exits)
            print(f"  {start - began:5.1f}s tracking worker {pid} SIGKILLed holding a claim of {in_claim} "
                  "event(s)" if pid else "  no worker was caught holding a claim", flush=True)
            time.sleep(2)
            stack.start_worker(index=0)
            windows.append(("worker SIGKILL", start, time.monotonic()))

            time.sleep(args.gap)
            start = time.monotonic()
            old = set(stack.web_worker_pids())
            stack.web.send_signal(signal.SIGHUP)
            while set(stack.web_worker_pids()) & old and time.monotonic() - start < 60:
                time.sleep(0.2)
            windows.append(("gunicorn reload (SIGTERM to workers)", start, time.monotonic() + 1))
            print(f"  {start - began:5.1f}s gunicorn SIGHUP: {len(old)} workers stopped with SIGTERM and "
                  "replaced", flush=True)
            time.sleep(args.gap)
        finally:
            load.stop.set()
            load.join()
        seconds = time.monotonic() - began
        supervise(stack, exits)
        print(f"tracking workers that exited by themselves (restarted): {len(exits)} {exits or ''}")
        stack.stop_web()  # SIGTERM: in-flight requests finish, buffered events are pushed
        print(f"load stopped after {seconds:.0f}s; settling", flush=True)
        settled = settle(stack, client)
        report(load.results, windows, count_events(stack, load.results), seconds, settled)


def report(results, windows, counts, seconds, settled):
    served = [r for r in results if ok(r)]
    print(f"\nrequests: {len(results)} sent, {len(served)} served ({len(served) / seconds:.0f}/s)")
    failures = collections.Counter()
    bad = 0
    for r in results:
        if ok(r):
            continue
        phase = phase_of(r, windows)
        failures[(phase, r.group, r.kind)] += 1
        allowed = phase == "PostgreSQL down" and r.group in DATABASE_GROUPS and r.status == 503 and r.retry_after
        bad += not allowed
    print("requests failed, by fault, endpoint group and kind:" + ("" if failures else " none"))
    for (phase, group, kind), n in sorted(failures.items()):
        print(f"  {phase:38s} {group:12s} {kind:24s} {n}")
    print(f"settled in {settled:.1f}s")
    print("events (client side: OG answered 200/304 -> og_generations; generation answered 201 -> generation_logs):")
    lost = duplicated = 0
    for table, c in counts.items():
        print(f"  {table}: " + ", ".join(f"{k} {v}" for k, v in c.items()))
        lost += c["lost"] + c.get("images missing", 0)
        duplicated += c["duplicated"]
    print(f"events lost = {lost}, events duplicated = {duplicated}, "
          f"requests failed outside what must fail = {bad}")
    sys.exit(1 if lost or duplicated or bad else 0)


if __name__ == "__main__":
    main()
