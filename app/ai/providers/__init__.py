"""Image providers behind one interface, chosen by ``AI_PROVIDER`` and per request."""

from .automatic1111 import Automatic1111Provider
from .base import (
    Provider,
    ProviderError,
    ProviderImage,
    ProviderRequest,
    ProviderResult,
    UnsupportedOption,
)
from .comfyui import ComfyUIProvider
from .gemini import GeminiProvider
from .http import ProviderHttp
from .openai import OpenAIProvider
from .procedural import ProceduralProvider

PROVIDERS = {cls.name: cls for cls in (ProceduralProvider, OpenAIProvider, GeminiProvider,
                                         Automatic1111Provider, ComfyUIProvider)}

__all__ = ["PROVIDERS", "Provider", "ProviderError", "ProviderImage", "ProviderRequest",
           "ProviderResult", "UnsupportedOption", "allowed_providers", "get_provider"]


def allowed_providers(config):
    """The providers a request may name: ``AI_PROVIDERS_ALLOWED`` plus the default."""
    names = {n.strip() for n in (config.get("AI_PROVIDERS_ALLOWED") or "").split(",") if n.strip()}
    names.add(config.get("AI_PROVIDER") or "procedural")
    return sorted(names & set(PROVIDERS))


def get_provider(name, config):
    """A provider instance configured from ``config``."""
    if name not in PROVIDERS:
        raise ValueError(f"unknown provider {name!r}")
    http = ProviderHttp(
        name, timeout=float(config.get("PROVIDER_TIMEOUT") or 300), retries=int(config.get("PROVIDER_RETRIES") or 0),
        backoff=float(config.get("PROVIDER_BACKOFF") or 0), max_backoff=float(config.get("PROVIDER_MAX_BACKOFF") or 20),
    )
    return PROVIDERS[name](config, http)
