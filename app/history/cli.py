"""``flask alerts …``, ``flask cleanup`` and other ledger commands."""

from flask.cli import AppGroup

cli = AppGroup("history", help="The ledger: alerts, retention, exports.")
