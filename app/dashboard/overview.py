"""What the overview, failed-generations and analytics pages show, from the services that own it.

Nothing here queries a table itself: the numbers come from ``app.history``
(bi, stats, search, alerts), ``app.og.stats`` and ``app.tracking``, so the
pages and the JSON API always agree.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from app.analytics import alerts, bi
from app.governance.usage import budgets_in_use
from app.health import check_redis
from app.history import search, stats
from app.models.types import utcnow
from app.og import stats as og_stats
from app.spend import reports
from app.tracking import queue, spool

WINDOWS = {
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}
HOUR = timedelta(hours=1)


DEFAULT_WINDOW = "7d"  # every page that shows a window starts with the same one
MAX_RANGE_DAYS = 366


@dataclass(frozen=True)
class Window:
    """The time window a page shows: a preset (``24h``) or a range of whole UTC days."""

    name: str  # a key of WINDOWS, or "range"
    since: datetime
    until: datetime
    query: dict = field(default_factory=dict)  # what links and exports carry to keep this window
    error: str | None = None

    @property
    def label(self):
        if self.name in WINDOWS:
            return f"last {self.name}"
        return f"{self.since:%Y-%m-%d} to {self.until - timedelta(days=1):%Y-%m-%d}"

    @property
    def first_day(self):
        return self.since.date().isoformat() if self.name == "range" else ""

    @property
    def last_day(self):
        return (self.until - timedelta(days=1)).date().isoformat() if self.name == "range" else ""


def resolve_window(args, default=DEFAULT_WINDOW):
    """The Window ``args`` ask for: ``from``/``to`` dates (YYYY-MM-DD, UTC, both days included), else
    ``window`` (one of WINDOWS), else ``default``; a range that can't be read falls back with its error."""
    until = utcnow()
    if args.get("from") or args.get("to"):
        try:
            first = date.fromisoformat(args.get("from") or args.get("to"))
            last = date.fromisoformat(args.get("to") or args.get("from"))
            if first > last:
                raise ValueError("the first day comes after the last")
            if (last - first).days >= MAX_RANGE_DAYS:
                raise ValueError(f"at most {MAX_RANGE_DAYS} days")
        except ValueError as error:
            message = str(error) if "day" in str(error) else "dates are YYYY-MM-DD"
            return _preset(default, until, error=f"Date range: {message}.")
        since = datetime(first.year, first.month, first.day, tzinfo=UTC)
        end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
        return Window("range", since, end, {"from": first.isoformat(), "to": last.isoformat()})
    return _preset(args.get("window") if args.get("window") in WINDOWS else default, until)


def _preset(name, until, error=None):
    return Window(name, until - WINDOWS[name], until, {"window": name}, error)


def hourly_series(rows, since, until, key):
    """[(label, value)] for every UTC hour from ``since`` to ``until``, zero where ``rows`` have none."""
    counts = {row["hour"].replace(minute=0, second=0, microsecond=0): row[key] for row in rows}
    start = since.replace(minute=0, second=0, microsecond=0)
    long_window = until - since > timedelta(hours=48)
    series, hour = [], start
    while hour < until:
        label = hour.strftime("%d %b %Hh") if long_window else hour.strftime("%H:00")
        series.append((label, counts.get(hour, 0)))
        hour += HOUR
    return series


def pipeline_health(app):
    """The tracking pipeline as /metrics and ``flask tracking check`` see it: Redis, queue, spool."""
    redis = check_redis()
    queued = claimed = None
    if redis["status"] in ("ok", "warning"):
        try:
            queued, claimed = queue.depth(app)
        except Exception as error:  # Redis went away between the ping and the count
            redis = {"status": "error", "detail": str(error)[:200]}
    path = spool.spool_path(app)
    return {
        "redis": redis,
        "rung": "redis" if redis["status"] in ("ok", "warning") else "writer",
        "queued": queued,
        "claimed_batches": claimed,
        "spool_bytes": spool.pending_bytes(path),
        "spool_events": spool.pending_events(path),
    }


def admin_overview(app, window):
    """Everything: the BI dashboard's numbers, OG renders, alerts, pipeline health, recent images."""
    since, until = window.since, window.until
    numbers = bi.dashboard(since, until)
    og_rows = og_stats.renders_per_hour(since, until)
    recent, _ = search.search_images({}, limit=8)
    return {
        "window": window,
        "since": since,
        "until": until,
        "numbers": numbers,
        "generations_series": hourly_series(numbers["per_hour"], since, until, "generations"),
        "og_renders": sum(row["renders"] for row in og_rows),
        "og_series": hourly_series(og_rows, since, until, "renders"),
        "alerts": alerts.active_alerts(),
        "health": pipeline_health(app),
        "recent": recent,
    }


def user_overview(user_id):
    """A user's own ledger: their image stats, recent images and recent errors."""
    window = resolve_window({})
    since, until = window.since, window.until
    recent, _ = search.search_images({}, user_id=user_id, limit=8)
    return {
        "stats": stats.image_stats({}, user_id=user_id),
        "recent": recent,
        "errors": bi.errors(since, until, limit=5, user_id=user_id),
    }


def failed_page(principal, window):
    """Errors grouped by message (the caller's own unless admin) and the latest failed images."""
    since, until = window.since, window.until
    owner = None if principal.is_admin else principal.user_id
    groups = bi.errors(since, until, limit=50, user_id=owner)
    images, _ = search.search_images({"status": "failed", "date_from": since}, user_id=owner, limit=50)
    bars = [(group["error_message"] or "(no message)", group["error_count"]) for group in groups[:10]]
    return {"window": window, "since": since, "until": until, "groups": groups, "images": images,
            "bars": bars, "failures": sum(group["error_count"] for group in groups)}


def analytics_page(window):
    """The BI queries over one window, as the /analytics endpoints answer them."""
    since, until = window.since, window.until
    numbers = bi.dashboard(since, until)
    styles, latency = bi.top_styles(since, until), bi.latency_by_style(since, until)
    difficulty = bi.cost_by_difficulty(since, until)
    return {
        "window": window,
        "since": since,
        "until": until,
        **spend_section(since, until),
        "numbers": numbers,
        "engagement_series": hourly_series(numbers["per_hour"], since, until, "generations"),
        "styles": styles,
        "style_bars": [(row["style"] or "(none)", row["success_rate"]) for row in styles[:12]],
        "difficulty": difficulty,
        "difficulty_bars": [(_difficulty(row["difficulty"]), row["total_cost"]) for row in difficulty],
        "latency": latency,
        "latency_bars": [(row["style"] or "(none)", row["p95_duration_ms"]) for row in latency[:12]],
        "errors": bi.errors(since, until, limit=20),
    }


SPEND_GROUPS = (("model", "Model"), ("provider", "Provider"), ("user", "User"), ("key", "API key"), ("tag", "Tag"))


def spend_section(since, until):
    """What the analytics page leads with: spend by model, provider, user, key and tag, and each budget's use."""
    spend = {group: reports.spend_report(group, since, until, limit=10) for group, _title in SPEND_GROUPS}
    return {"spend": spend, "spend_groups": SPEND_GROUPS, "spend_total": spend["model"]["total"],
            "spend_bars": [(row["label"] or row["group"] or "(none)", float(row["cost_usd"]))
                           for row in spend["model"]["rows"]],
            "budgets": budgets_in_use()}


def _difficulty(value):
    return "(none)" if value is None else f"difficulty {value}"
