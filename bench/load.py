"""Mixed load on the real stack: gunicorn (gunicorn.conf.py, 2 workers), PostgreSQL, Redis, tracking workers.

    .venv/bin/python bench/load.py [--seconds 20] [--rounds 3] [--threads 4] [--tracking-workers 2]

Starts a private PostgreSQL and Redis (bench/stack.py; the machine's shared
servers are not touched), migrates, creates an admin key, starts the tracking
workers, then:

1. a mixed load (OG PNG uncached and cached, history pages, stats, procedural
   AI generations) with OG tracking on, then off: requests/s and p50/p99 per
   endpoint group;
2. the OG endpoint alone (25% uncached, 75% cached) on two gunicorns started
   side by side, one with ``OG_TRACKING_ENABLED=false`` and one with it on;
   the load alternates between them (``--rounds`` × ``--seconds`` each, in
   ABBA order), so both see the same machine noise, which on a shared 2-core
   machine swings one config's throughput by ±10% from minute to minute:
   the median requests/s of each, what tracking costs, and where its CPU goes
   (each slice is charged the tracking workers', PostgreSQL's and Redis's CPU
   until 2 s after it, by when its events are in the database);
3. checks that every OG request answered while tracking was on has its row.

The load generator (threads, keep-alive http.client) shares the 2 cores with
everything else: absolute figures are a floor, the on/off comparison is what
it shows. Bounded: ``--seconds`` per phase and at most 200,000 requests each.
"""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from loadgen import CACHED_SEEDS, MIXED, OG_ONLY, Load, og_path, ok, print_summary, summarise  # noqa: E402
from stack import Stack, free_port  # noqa: E402

BACKGROUND = ("tracking workers", "postgres", "redis")
SETTLE = 2.0  # seconds after a slice: longer than TRACKING_PUSH_LINGER + TRACKING_DRAIN_POLL


def warm(stack, key, port=None):
    load = Load(port or stack.web_port, key, {"og_cached": 1}, threads=2, run_id=f"warm{port}")
    for seed in CACHED_SEEDS:  # both web processes render each cached card once
        for _ in range(4):
            stack.get(og_path(seed), port)
    load.run(2, max_requests=400)


def phase(stack, key, mix, seconds, threads, tracking, run_id):
    stack.stop_web()
    stack.start_web(OG_TRACKING_ENABLED="true" if tracking else "false")
    warm(stack, key)
    load = Load(stack.web_port, key, mix, threads=threads, run_id=run_id)
    before = stack.cpu_seconds()
    elapsed = load.run(seconds)
    after = stack.cpu_seconds()
    summary = summarise(load.results, elapsed)
    served = sum(s["ok"] for s in summary.values())
    summary["cpu"] = {kind: 1000 * (after[kind] - before[kind]) / max(1, served) for kind in after}
    return load.results, summary


def cpu_line(summary):
    return "CPU ms per request: " + ", ".join(f"{k} {v:.2f}" for k, v in summary["cpu"].items())


def og_rps(summary):
    return sum(summary[g]["rps"] for g in ("og_uncached", "og_cached") if g in summary)


def wait_drained(stack, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = stack.psql("select 1")  # the database answers
        queued = stack.flask("tracking", "check", "--timeout", "30", check=False).stdout
        if out and "0 queued, 0 batches claimed" in queued:
            return True
        time.sleep(1)
    return False


def og_side_by_side(stack, key, rounds, seconds, threads, control=False):
    """The OG endpoint alone on two gunicorns, tracking off and on; returns the tracked results.

    ``control``: tracking off on both (an A/A run: what the method measures when nothing differs).
    """
    stack.stop_web()
    ports = {False: stack.web_port, True: free_port()}
    webs = {False: stack.start_web(OG_TRACKING_ENABLED="false"),
            True: stack.start_web(ports[True], OG_TRACKING_ENABLED="false" if control else "true")}
    if control:
        print("\nA/A control: tracking is off on both gunicorns; 'on' below names the second one", flush=True)
    for port in ports.values():
        warm(stack, key, port)
    print(f"\nOG endpoint alone ({OG_ONLY['og_uncached']}% uncached) on two gunicorns side by side, tracking off"
          f" on :{ports[False]} and on on :{ports[True]}; {rounds} rounds of {seconds:.0f} s each:", flush=True)
    runs, tracked = {False: [], True: []}, []
    for number in range(rounds):
        for tracking in (False, True) if number % 2 == 0 else (True, False):
            load = Load(ports[tracking], key, OG_ONLY, threads=threads, run_id=f"og{number}{int(tracking)}")
            web_before, before = Stack.tree_cpu_seconds(webs[tracking].pid), stack.cpu_seconds()
            elapsed = load.run(seconds)
            web_after = Stack.tree_cpu_seconds(webs[tracking].pid)
            time.sleep(SETTLE)  # the slice's events reach the database: their work is charged to it
            after = stack.cpu_seconds()
            s = summarise(load.results, elapsed)
            served = sum(s[g]["ok"] for g in ("og_uncached", "og_cached") if g in s)
            s["web_ms"] = 1000 * (web_after - web_before) / max(1, served)
            s["served"] = served
            s["background_ms"] = 1000 * sum(after[kind] - before[kind] for kind in BACKGROUND) / max(1, served)
            runs[tracking].append(s)
            if tracking:
                tracked += load.results
            print(f"  round {number + 1} tracking {'on ' if tracking else 'off'}: {og_rps(s):7.1f} req/s"
                  f"  (uncached {s['og_uncached']['rps']:.1f}, p50 {s['og_uncached']['p50']:.1f} ms;"
                  f" cached {s['og_cached']['rps']:.1f}, p50 {s['og_cached']['p50']:.2f} ms,"
                  f" p99 {s['og_cached']['p99']:.2f} ms); web CPU {s['web_ms']:.2f} ms/request", flush=True)
    off = statistics.median(og_rps(s) for s in runs[False])
    on = statistics.median(og_rps(s) for s in runs[True])
    paired = statistics.median(100 * (og_rps(a) - og_rps(b)) / og_rps(a) for a, b in zip(runs[False], runs[True], strict=True))
    print(f"  median: off {off:.1f} req/s, on {on:.1f} req/s -> tracking costs {100 * (off - on) / off:+.1f}%"
          f" of OG throughput (goal: at most 5%); median of each round's own off/on pair: {paired:+.1f}%")
    for group in ("og_uncached", "og_cached"):
        g_off = statistics.median(s[group]["rps"] for s in runs[False])
        g_on = statistics.median(s[group]["rps"] for s in runs[True])
        print(f"    {group}: off {g_off:.1f}, on {g_on:.1f} req/s ({100 * (g_off - g_on) / g_off:+.1f}%)")
    web_off = statistics.median(s["web_ms"] for s in runs[False])
    web_on = statistics.median(s["web_ms"] for s in runs[True])
    bg_off = statistics.median(s["background_ms"] for s in runs[False])
    bg_on = statistics.median(s["background_ms"] for s in runs[True])
    added = (web_on - web_off) + (bg_on - bg_off)
    print(f"  CPU per OG request (medians): web off {web_off:.3f} ms, on {web_on:.3f} ms"
          f" ({1000 * (web_on - web_off):+.0f} us); tracking workers + PostgreSQL + Redis off {bg_off:.3f} ms,"
          f" on {bg_on:.3f} ms ({1000 * (bg_on - bg_off):+.0f} us) -> tracking adds {1000 * added:.0f} us,"
          f" {100 * added / (web_off + bg_off):+.1f}% of an untracked request's CPU")
    return tracked


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20, help="seconds per phase")
    parser.add_argument("--rounds", type=int, default=3, help="off/on rounds of the OG-only comparison")
    parser.add_argument("--threads", type=int, default=4, help="concurrent client connections")
    parser.add_argument("--tracking-workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the stack's folder (logs, data)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting for every process (e.g. TRACKING_PUSH_LINGER=0.01)")
    parser.add_argument("--skip-mixed", action="store_true", help="only the OG tracking on/off rounds")
    parser.add_argument("--control", action="store_true",
                        help="A/A: tracking off on both gunicorns, to see the comparison's own noise")
    args = parser.parse_args()
    settings = dict(item.split("=", 1) for item in args.set)

    with Stack(settings, tracking_workers=args.tracking_workers, keep=args.keep) as stack:
        key = stack.start(web=False)
        print(f"stack: gunicorn -c gunicorn.conf.py (2 workers x 4 threads) on :{stack.web_port}, "
              f"PostgreSQL :{stack.pg_port}, Redis :{stack.redis_port}, {args.tracking_workers} tracking "
              f"worker(s); {args.threads} client threads, {args.seconds:.0f} s per phase; {settings or ''}", flush=True)
        tracked = []
        for tracking in () if args.skip_mixed else (True, False):
            results, summary = phase(stack, key, MIXED, args.seconds, args.threads, tracking,
                                     f"mixed{int(tracking)}")
            cpu = summary.pop("cpu")
            print_summary(summary, f"\nmixed load, OG tracking {'on' if tracking else 'off'}:")
            print("  " + cpu_line({"cpu": cpu}))
            if tracking:
                tracked += results
        tracked += og_side_by_side(stack, key, args.rounds, args.seconds, args.threads, control=args.control)

        stack.stop_web()
        if args.control:
            return
        drained = wait_drained(stack)
        answered = {r.ident for r in tracked if r.group.startswith("og") and ok(r)}
        rows = set(stack.psql("select user_agent from og_generations where user_agent like 'imprint-bench/%'")
                   .split())
        print(f"\nOG events while tracking was on: {len(answered)} answered, {len(answered & rows)} rows"
              f" found, {len(answered - rows)} missing (queue drained: {drained})")


if __name__ == "__main__":
    main()
