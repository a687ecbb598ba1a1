"""The settings each remote provider needs: read by the routes, the dashboard and ``flask doctor``."""

# provider -> (setting with its URL, setting with its key or None)
PROVIDER_SETTINGS = {
    "openai": ("OPENAI_BASE_URL", "OPENAI_API_KEY"),
    "gemini": ("GEMINI_BASE_URL", "GEMINI_API_KEY"),
    "automatic1111": ("A1111_URL", None),
    "comfyui": ("COMFYUI_URL", None),
}


def missing_provider_settings(name, config):
    """The settings provider ``name`` still needs (empty when it is configured; offline ones need none)."""
    if name not in PROVIDER_SETTINGS:
        return []
    return [setting for setting in PROVIDER_SETTINGS[name] if setting and not config.get(setting)]
