"""``flask ai …`` commands."""

from flask.cli import AppGroup

cli = AppGroup("ai", help="AI generation, datasets, storage.")
