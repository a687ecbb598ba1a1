"""AI generation: ``POST /ai/generate``, datasets, generated images (seeds 002, 004)."""

from flask_smorest import Blueprint

blp = Blueprint("ai", __name__, url_prefix="/ai", description="AI image generation and its records")
