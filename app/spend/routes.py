"""/analytics/spend, /analytics/top-spenders and /analytics/budgets: who spent what, and how much is left."""

import csv
import io
from datetime import timedelta

from flask import Response, jsonify
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from app.analytics.exports import CONTENT_TYPES, csv_cell
from app.analytics.window import resolve_window
from app.auth import admin_required, auth_required, current_principal
from app.governance import usage

from . import reports
from .schemas import BudgetsSchema, SpendArgs, SpendReportSchema, TopSpendersArgs

blp = Blueprint("spend", __name__, url_prefix="/analytics", description="Spend reports and budgets")

QUERY = {"location": "query", "unknown": RAISE, "error_status_code": 400}
DEFAULT_WINDOW = timedelta(days=30)
# format=csv answers the same rows as text/csv: documented next to the JSON of the 200.
CSV_DOC = {"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}}
COUNTS = ("generations", "images", "failed", "unknown_cost", "tokens_in", "tokens_out")
COLUMNS = ("group", "label", "generations", "images", "failed", "cost_usd", "unknown_cost", "tokens_in", "tokens_out")



def plain_report(report):
    """The report exactly as SpendReportSchema dumps it, built directly: marshmallow's dump of a few hundred
    rows takes longer than the report's queries."""
    def totals(row):
        return {**{name: row[name] for name in COUNTS}, "cost_usd": str(row["cost_usd"])}

    return {"group_by": report["group_by"], "since": report["since"].isoformat(),
            "until": report["until"].isoformat(), "total": totals(report["total"]),
            "rows": [{"group": row["group"], "label": row["label"], **totals(row)} for row in report["rows"]]}


def _answer(report, fmt, name):
    if fmt != "csv":
        return jsonify(plain_report(report))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in report["rows"]:
        writer.writerow([csv_cell(row[column]) for column in COLUMNS])
    filename = f"{name}-{report['since']:%Y%m%dT%H%M}-{report['until']:%Y%m%dT%H%M}.csv"
    return Response(buffer.getvalue(), content_type=CONTENT_TYPES["csv"],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blp.route("/spend")
class Spend(MethodView):
    @auth_required
    @blp.doc(**CSV_DOC)
    @blp.arguments(SpendArgs, **QUERY)
    @blp.response(200, SpendReportSchema)
    def get(self, args):
        """Spend per user, key, provider, model, tag or day (default window 30d): an admin sees everyone,
        a user their own keys. Costs are exact decimal sums."""
        principal = current_principal()
        owner = None if principal.is_admin else principal.user_id
        report = reports.spend_report(args["group_by"], *resolve_window(args, DEFAULT_WINDOW), user_id=owner, limit=args["limit"])
        return _answer(report, args["format"], f"spend-by-{args['group_by']}")


@blp.route("/top-spenders")
class TopSpenders(MethodView):
    @admin_required
    @blp.doc(**CSV_DOC)
    @blp.arguments(TopSpendersArgs, **QUERY)
    @blp.response(200, SpendReportSchema)
    def get(self, args):
        """The users who spent most in the window (default 30d), largest first (admin)."""
        report = reports.spend_report("user", *resolve_window(args, DEFAULT_WINDOW), limit=args["limit"])
        return _answer(report, args["format"], "top-spenders")


@blp.route("/budgets")
class Budgets(MethodView):
    @auth_required
    @blp.response(200, BudgetsSchema)
    def get(self):
        """Every budget's use this period (an admin sees all, a user their own keys' and their own)."""
        principal = current_principal()
        return {"budgets": usage.budgets_in_use(None if principal.is_admin else principal.user_id)}
