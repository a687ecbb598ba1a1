"""The prompts pages: the template library with its numbers, favorites, one template's statistics."""

from app.comparisons import service as compare
from app.prompts import favorites, labels, stats, templates
from app.prompts.syntax import template_variables

MAX_VERSIONS_SHOWN = 20
MAX_MOVES_SHOWN = 10


def library(principal, limit=100):
    """Templates (inactive ones too for admins), the caller's favorites first, with usage, rate and time."""
    rows = templates.list_prompts(include_inactive=principal.is_admin, favorites_of=principal.user_id,
                                  favorites_first=True, limit=limit)
    times = stats.average_times([prompt.id for prompt, _ in rows])
    return [
        {"prompt": prompt, "is_favorite": is_favorite, "avg_time_ms": times.get(prompt.id),
         "success_rate": stats.success_rate(prompt.success_count, prompt.usage_count)}
        for prompt, is_favorite in rows
    ]


def top_used(limit=10):
    """The most used active templates as (name, usage count)."""
    return [(prompt.name, prompt.usage_count) for prompt in stats.top_used(limit)]


def user_favorites(user_id):
    """The caller's favorite templates, newest first."""
    return favorites.list_favorites(user_id)


def template_detail(principal, prompt_id):
    """One template with its statistics overall, per scene and per version; PromptNotFound if unknown."""
    prompt = templates.get_prompt(prompt_id)
    versions = templates.list_versions(prompt_id)[:MAX_VERSIONS_SHOWN]
    favorite_ids = {p.id for p in favorites.list_favorites(principal.user_id)}
    scenes = stats.scene_stats(prompt_id)
    named = labels.labels_by_version(prompt_id)
    return {
        "prompt": prompt,
        "variables": template_variables(prompt.template, prompt.negative_prompt),
        "is_favorite": prompt.id in favorite_ids,
        "stats": stats.prompt_stats(prompt_id),
        "scenes": scenes,
        "scene_bars": [(row["scene"] or "(no scene)", row["usage_count"]) for row in scenes[:12]],
        "versions": [{"version": v, "stats": stats.prompt_stats(prompt_id, v.version), "labels": named.get(v.version, [])}
                     for v in versions],
        "labels": labels.list_labels(prompt_id),
        "label_moves": labels.label_history(prompt_id, limit=MAX_MOVES_SHOWN),
        "comparisons": compare.list_comparisons(principal, prompt_id, limit=MAX_MOVES_SHOWN),
    }


def set_favorite(user_id, prompt_id, favorite):
    """Add or remove a favorite; PromptNotFound if the template is unknown."""
    if favorite:
        favorites.add_favorite(user_id, prompt_id)
    else:
        favorites.remove_favorite(user_id, prompt_id)
