"""A mixed HTTP load from threads with keep-alive ``http.client`` connections.

Every request is kept (group, status, latency, when, and what identifies the
tracking event it should produce), so a bench can compute throughput and
percentiles per group and count events exactly. Each OG request carries a
User-Agent of its own: its ``og_generations`` row is found by that value.
"""

import http.client
import json
import random
import statistics
import threading
import time
import uuid
import zlib
from dataclasses import dataclass
from urllib.parse import urlencode

QUOTE = ("The best way to predict the future is to invent it; the second best is to "
         "render it fast and cache it forever, they say.")
CACHED_SEEDS = [f"cached-{i}" for i in range(16)]

# group -> weight; OG-heavy, as a real site is.
MIXED = {"og_uncached": 20, "og_cached": 60, "history": 8, "stats": 6, "ai_generate": 6}
OG_ONLY = {"og_uncached": 25, "og_cached": 75}


@dataclass
class Result:
    group: str
    status: int  # 0 = no answer (kind says why)
    ms: float
    start: float  # time.monotonic()
    end: float
    ident: str = ""  # OG: the User-Agent; AI: the image id returned
    kind: str = ""  # "", or the exception / "503 no Retry-After" …
    retry_after: bool = False


def og_path(seed):
    return "/og?" + urlencode({"seed": seed, "quote": QUOTE, "author": "Alan Kay", "shapes": 12})


class Load:
    def __init__(self, port, admin_key, mix, threads=4, run_id=None):
        self.port, self.mix, self.threads = port, mix, threads
        self.auth = {"Authorization": f"Bearer {admin_key}"}
        self.run_id = run_id or uuid.uuid4().hex[:8]
        self.results = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.pool = []

    def start(self, seconds, max_requests=200_000):
        self.stop.clear()
        self.deadline = time.monotonic() + seconds
        self.budget = max_requests
        self.pool = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(self.threads)]
        for thread in self.pool:
            thread.start()

    def join(self):
        for thread in self.pool:
            thread.join()

    def run(self, seconds, max_requests=200_000):
        started = time.monotonic()
        self.start(seconds, max_requests)
        self.join()
        return time.monotonic() - started

    def _run(self, index):
        rng = random.Random(f"{self.run_id}-{index}")
        groups, weights = list(self.mix), list(self.mix.values())
        conn = None
        n = 0
        while not self.stop.is_set() and time.monotonic() < self.deadline:
            with self.lock:
                if self.budget <= 0:
                    return
                self.budget -= 1
            n += 1
            group = rng.choices(groups, weights)[0]
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            result, keep = self._one(conn, group, f"{self.run_id}-{index}-{n}")
            with self.lock:
                self.results.append(result)
            if not keep:
                conn.close()
                conn = None
                if result.status == 0:
                    time.sleep(0.05)  # the server is away: do not spin
        if conn is not None:
            conn.close()

    def _request(self, group, tag):
        """(method, path, body, headers, ident) for one request of ``group``."""
        if group in ("og_uncached", "og_cached"):
            seed = f"u-{tag}" if group == "og_uncached" else CACHED_SEEDS[zlib.crc32(tag.encode()) % len(CACHED_SEEDS)]
            ua = f"imprint-bench/{tag}"
            return "GET", og_path(seed), None, {"User-Agent": ua}, ua
        if group == "history":
            return "GET", "/history/images?limit=20", None, self.auth, ""
        if group == "stats":
            path = "/og/stats" if zlib.crc32(tag.encode()) % 2 else "/history/images/stats"
            return "GET", path, None, self.auth, ""
        body = json.dumps({"prompt": f"a lighthouse at dusk {tag}", "size": "256x256", "request_id": tag})
        return "POST", "/ai/generate", body, {**self.auth, "Content-Type": "application/json"}, ""

    def _one(self, conn, group, tag):
        method, path, body, headers, ident = self._request(group, tag)
        start = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            end = time.monotonic()
            return Result(group, 0, (end - start) * 1000, start, end, ident, type(error).__name__), False
        end = time.monotonic()
        result = Result(group, response.status, (end - start) * 1000, start, end, ident,
                        retry_after=response.getheader("Retry-After") is not None)
        if group == "ai_generate" and response.status == 201:
            result.ident = json.loads(data)["id"]
        if response.status >= 400:
            result.kind = f"{response.status}" + ("" if result.retry_after else " without Retry-After")
        keep = (response.getheader("Connection") or "").lower() != "close"
        return result, keep


def ok(result):
    return result.status in (200, 201, 304)


def summarise(results, seconds):
    """{group: {"n", "ok", "rps", "p50", "p99", "failed": {kind: n}}} over ``seconds`` of load."""
    by_group = {}
    for result in results:
        by_group.setdefault(result.group, []).append(result)
    summary = {}
    for group, items in sorted(by_group.items()):
        latencies = sorted(r.ms for r in items if ok(r))
        failed = {}
        for r in items:
            if not ok(r):
                failed[r.kind or str(r.status)] = failed.get(r.kind or str(r.status), 0) + 1
        summary[group] = {
            "n": len(items), "ok": len(latencies), "rps": len(latencies) / seconds,
            "p50": statistics.median(latencies) if latencies else float("nan"),
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else float("nan"),
            "failed": failed,
        }
    return summary


def print_summary(summary, title):
    print(title)
    print(f"  {'group':12s} {'requests':>9s} {'ok/s':>8s} {'p50 ms':>8s} {'p99 ms':>8s}  failed")
    for group, s in summary.items():
        failed = ", ".join(f"{k}: {v}" for k, v in s["failed"].items()) or "-"
        print(f"  {group:12s} {s['n']:9d} {s['rps']:8.1f} {s['p50']:8.2f} {s['p99']:8.2f}  {failed}")
