"""The gallery's filters and pages, read through app/history's search service and cursor."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from marshmallow import ValidationError

from app.ai.catalog import TOOLS
from app.auth.service import list_users
from app.datasets.service import list_datasets
from app.history import search
from app.history.cursor import decode_cursor
from app.history.schemas import ImageFilterArgs
from app.models.types import utcnow

FILTER_FIELDS = ("q", "tool", "status", "tag", "dataset", "user", "from", "to")
TOOL_NAMES = tuple(sorted({tool.tool_name for tool in TOOLS.values()}))
MAX_TAGS, MAX_TAG_LENGTH = 20, 64  # as POST /ai/generate accepts them
_FILTER_SCHEMA = ImageFilterArgs()


@dataclass
class Filters:
    """The form as typed (to refill it), the search criteria, and what was wrong with it."""

    form: dict = field(default_factory=dict)
    criteria: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)


def _day(value, end=False):
    """A ``<input type=date>`` value as the start (or the last instant) of that UTC day, in ISO 8601."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return value  # let the schema name the field
    moment = datetime.combine(day, time.max if end else time.min)
    return moment.isoformat()


def parse_filters(args, principal):
    """Filters from the query string, checked by the history search schema; users see only their own."""
    form = {name: args.get(name, "").strip() for name in FILTER_FIELDS if args.get(name, "").strip()}
    if not principal.is_admin:
        form.pop("user", None)
    raw = dict(form)
    for name, end in (("from", False), ("to", True)):
        if name in raw:
            raw[name] = _day(raw[name], end)
    try:
        criteria = _FILTER_SCHEMA.load(raw)
    except ValidationError as error:
        return Filters(form, {}, error.messages)
    return Filters(form, criteria, {})


def parse_cursor(token):
    """The keyset position of a ``next_cursor``, or None for the first page; ValueError if malformed."""
    return decode_cursor(token) if token else None


def gallery_page(principal, criteria, cursor=None, limit=24):
    """(images, next_cursor) the caller may see: everyone's for an admin, their own otherwise."""
    owner = None if principal.is_admin else principal.user_id
    return search.search_images(criteria, user_id=owner, limit=limit, cursor=cursor)


def filter_choices(principal):
    """Options of the filter form: tools, datasets the caller may see, users (admin only)."""
    return {
        "tools": TOOL_NAMES,
        "datasets": list_datasets(principal, limit=200),
        "users": list_users() if principal.is_admin else [],
    }


def visible_image(principal, image_id):
    """The record if the caller may see it (owner or admin), else None."""
    return search.find_visible_image(principal, image_id)


def parse_tags(text):
    """Comma-separated tags → a clean list (order kept, duplicates dropped); ValueError names the problem."""
    tags = []
    for tag in (part.strip() for part in (text or "").split(",")):
        if not tag or tag in tags:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise ValueError(f"a tag is at most {MAX_TAG_LENGTH} characters: {tag[:20]}…")
        tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValueError(f"at most {MAX_TAGS} tags")
    return tags


def relative_time(moment, now=None):
    """'3 min ago', '5 h ago', '2 d ago' — what a gallery card says about its age."""
    delta = (now or utcnow()) - moment
    if delta < timedelta(minutes=1):
        return "just now"
    if delta < timedelta(hours=1):
        return f"{int(delta.total_seconds() // 60)} min ago"
    if delta < timedelta(days=1):
        return f"{int(delta.total_seconds() // 3600)} h ago"
    return f"{delta.days} d ago"


def collection_choices(principal):
    """(id, name) of the caller's collections, for the pickers on the gallery and image pages."""
    from app.curation.service import list_collections

    return [(item["id"], item["name"]) for item in list_collections(principal)]
