"""OG cards: ``GET /og`` and its stats (seed 000)."""

from flask_smorest import Blueprint

blp = Blueprint("og", __name__, url_prefix="/og", description="Open Graph cards rendered from a seed")
