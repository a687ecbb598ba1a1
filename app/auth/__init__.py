"""Users, API keys, and the decorators views use to require them."""

from .decorators import admin_required, auth_required, current_principal
from .service import Principal

__all__ = ["Principal", "admin_required", "auth_required", "current_principal"]
