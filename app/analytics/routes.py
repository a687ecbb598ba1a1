"""/analytics: the BI queries of generation_logs and their dashboard, alerts, exports (admin keys)."""

from datetime import timedelta

from flask import Response, current_app, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import RAISE

from app.auth import admin_required

from . import alerts, bi, exports
from . import rollups as rolled
from .schemas import (
    EXPORT_KINDS,
    AlertArgs,
    AlertsSchema,
    CountriesSchema,
    CountryArgs,
    DashboardSchema,
    DifficultySchema,
    EngagementSchema,
    ErrorsSchema,
    ExportArgs,
    LatencySchema,
    StylesSchema,
    WindowArgs,
)
from .window import resolve_window

blp = Blueprint("analytics", __name__, url_prefix="/analytics", description="BI queries, alerts and exports")

QUERY = {"location": "query", "unknown": RAISE, "error_status_code": 400}



def _rows(query, args, default):
    since, until = resolve_window(args, default)
    return {"since": since, "until": until, "rows": query(since, until)}


DAY = timedelta(days=1)


def _bi_route(path, query, schema, default, summary):
    @admin_required
    @blp.arguments(WindowArgs, **QUERY)
    @blp.response(200, schema)
    def get(self, args):
        return _rows(query, args, default)

    get.__doc__ = summary
    view = type(f"BI_{query.__name__}", (MethodView,), {"get": get})
    blp.route(path)(view)


_bi_route("/top-styles", rolled.top_styles, StylesSchema, 30 * DAY,
          "Styles by success rate, with total generations and average cost (default window 30d).")
_bi_route("/engagement", rolled.engagement_by_hour, EngagementSchema, 7 * DAY,
          "Generations and unique users per hour (default window 7d).")
_bi_route("/cost-by-difficulty", rolled.cost_by_difficulty, DifficultySchema, 30 * DAY,
          "Successful generations per difficulty: count, average and total cost (default 30d).")
_bi_route("/latency", bi.latency_by_style, LatencySchema, DAY,
          "Average and p95 duration per style of successful generations (default 24h).")
_bi_route("/errors", bi.errors, ErrorsSchema, 7 * DAY,
          "Failures by error message: count and average time to fail (default 7d).")


@blp.route("/dashboard")
class Dashboard(MethodView):
    @admin_required
    @blp.arguments(WindowArgs, **QUERY)
    @blp.response(200, DashboardSchema)
    def get(self, args):
        """Generations per hour, success rate, average cost per generation, weekly retention (default 24h)."""
        return rolled.dashboard(*resolve_window(args, DAY))


@blp.route("/countries")
class Countries(MethodView):
    @admin_required
    @blp.arguments(CountryArgs, **QUERY)
    @blp.response(200, CountriesSchema)
    def get(self, args):
        """Generations (source=logs) or OG renders (source=og) per country (needs GEOIP_DATABASE_PATH)."""
        since, until = resolve_window(args, 30 * DAY)
        return {"since": since, "until": until, "rows": bi.by_country(since, until, args["source"])}


@blp.route("/alerts")
class Alerts(MethodView):
    @admin_required
    @blp.arguments(AlertArgs, **QUERY)
    @blp.response(200, AlertsSchema)
    def get(self, args):
        """Alerts firing now, the history of firings and resolutions, and each rule's threshold."""
        return {
            "active": alerts.active_alerts(),
            "history": alerts.alert_history(args["limit"]),
            "rules": alerts.thresholds(current_app.config),
        }


@blp.route("/exports/<kind>")
class Export(MethodView):
    @admin_required
    @blp.arguments(ExportArgs, **QUERY)
    @blp.response(200, description="The rows, streamed (CSV, JSON lines or a JSON array)",
                  content_type="text/csv")
    def get(self, args, kind):
        """Export images, logs, og-generations, prompt-usage or ratings of a window (default 30d), streamed."""
        if kind not in EXPORT_KINDS:
            abort(404, message=f"unknown export {kind!r}; one of {', '.join(EXPORT_KINDS)}")
        since, until = resolve_window(args, 30 * DAY)
        fmt = args["format"]
        body = stream_with_context(exports.stream_export(kind, fmt, since, until))
        name = f"{kind}-{since:%Y%m%dT%H%M}-{until:%Y%m%dT%H%M}.{fmt}"
        return Response(body, content_type=exports.CONTENT_TYPES[fmt],
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
