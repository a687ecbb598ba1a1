"""Prompt templates, usage, favorites, posts and statistics (seed 003)."""

from flask_smorest import Blueprint

blp = Blueprint("prompts", __name__, url_prefix="/prompts", description="Prompt templates and their statistics")
