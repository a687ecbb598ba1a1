"""Saved generation settings of a template version, and how a request's own fields override them.

A version may save ``provider``, ``model``, ``size``, ``aspect_ratio``, ``quality``, ``style``
and provider ``options`` (``background``, ``moderation``, ``output_compression``, ``format``);
its negative prompt is the version's own ``negative_prompt``.
"""

OPTION_NAMES = ("background", "moderation", "output_compression", "format")
# A saved model belongs to the saved provider, and a saved size goes with the saved aspect
# ratio: a request naming the first field of a pair drops the saved second one too.
PAIRS = (("provider", "model"), ("size", "aspect_ratio"), ("aspect_ratio", "size"))


def flatten(settings):
    """The saved settings as request fields (``options`` spread out)."""
    if not settings:
        return {}
    flat = {name: value for name, value in settings.items() if name != "options" and value is not None}
    flat.update({name: value for name, value in (settings.get("options") or {}).items() if value is not None})
    return flat


def apply_settings(payload, settings):
    """The request ``payload`` over the saved ``settings``: a field the request gives wins."""
    saved = flatten(settings)
    if not saved:
        return payload
    given = {name for name, value in payload.items() if value is not None}
    for first, second in PAIRS:
        if first in given:
            saved.pop(second, None)
    return {**saved, **{name: value for name, value in payload.items() if value is not None}}
