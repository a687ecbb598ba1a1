"""``flask prompts …`` commands."""

from flask.cli import AppGroup

cli = AppGroup("prompts", help="Prompt templates.")
