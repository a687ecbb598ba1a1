"""``flask og …`` commands."""

from flask.cli import AppGroup

cli = AppGroup("og", help="Open Graph cards.")
