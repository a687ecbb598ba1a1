"""The template library shipped in ``app/prompts/data/templates.json`` and its seeding.

Seeding is update-or-insert on the slug: a new id is created at version 1, a
changed name/template/negative prompt becomes a new version, other changes
(category, tags, …) are applied in place, and an unchanged template is left
alone — so running it twice changes nothing the second time.
"""

import json
from pathlib import Path

from app.extensions import db
from app.models import Prompt

from .templates import EDITABLE, create_prompt, update_prompt

DATA_FILE = Path(__file__).parent / "data" / "templates.json"
REQUIRED = ("id", "name", "template")


def load_library(path=None):
    """The templates of a library file, checked for the fields every template needs."""
    with open(path or DATA_FILE, encoding="utf-8") as fh:
        document = json.load(fh)
    entries = document["templates"] if isinstance(document, dict) else document
    seen = set()
    for index, entry in enumerate(entries):
        missing = [name for name in REQUIRED if not entry.get(name)]
        if missing:
            raise ValueError(f"template #{index}: missing {', '.join(missing)}")
        unknown = set(entry) - {"id", *EDITABLE}
        if unknown:
            raise ValueError(f"template {entry['id']!r}: unknown fields {sorted(unknown)}")
        if entry["id"] in seen:
            raise ValueError(f"template {entry['id']!r} appears twice")
        seen.add(entry["id"])
    return entries


def seed_prompts(path=None, update=True, on_progress=None, entries=None):
    """Insert the library's templates, updating existing ones unless ``update`` is false.

    Returns {"created": [...], "updated": [...], "unchanged": [...]} of ids; ``on_progress(1)``
    is called after each template. ``entries``: the library already loaded (``load_library``).
    """
    result = {"created": [], "updated": [], "unchanged": []}
    for entry in entries if entries is not None else load_library(path):
        if on_progress:
            on_progress(1)
        values = {name: entry.get(name) for name in EDITABLE if name in entry}
        values.setdefault("is_active", True)
        values.setdefault("tags", [])
        prompt = db.session.get(Prompt, entry["id"])
        if prompt is None:
            create_prompt(entry["id"], **values)
            result["created"].append(entry["id"])
            continue
        changes = {name: value for name, value in values.items() if getattr(prompt, name) != value}
        if not changes or not update:
            result["unchanged"].append(entry["id"])
            continue
        update_prompt(entry["id"], **changes)
        result["updated"].append(entry["id"])
    return result
