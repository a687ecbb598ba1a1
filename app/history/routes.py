"""The reading side of the ledger: history, logs, analytics, exports (seeds 001, 004)."""

from flask_smorest import Blueprint

blp = Blueprint("history", __name__, url_prefix="/history", description="Search and analyse the ledger")
