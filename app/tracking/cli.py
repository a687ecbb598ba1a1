"""``flask tracking …`` commands."""

from flask.cli import AppGroup

cli = AppGroup("tracking", help="The tracking pipeline.")
