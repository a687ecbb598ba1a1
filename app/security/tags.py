"""Free tags a request carries (body ``tags`` and the ``Imprint-Tags`` header), bounded like the body's."""

import re

MAX_TAGS = 20
MAX_TAG_LENGTH = 64
HEADER = "Imprint-Tags"
_TAG = re.compile(r"^[^\x00-\x1f,]{1,64}$")


class TagsInvalid(ValueError):
    """The header's tags are too many, too long or hold control characters."""


def parse_tags_header(value):
    """The tags of an ``Imprint-Tags: a, b`` header as a tuple (empty when absent)."""
    if not value:
        return ()
    if len(value) > MAX_TAGS * (MAX_TAG_LENGTH + 2):
        raise TagsInvalid(f"{HEADER} is too long")
    tags = [tag.strip() for tag in value.split(",") if tag.strip()]
    if len(tags) > MAX_TAGS:
        raise TagsInvalid(f"{HEADER} holds {len(tags)} tags; at most {MAX_TAGS}")
    for tag in tags:
        if not _TAG.match(tag):
            raise TagsInvalid(f"{HEADER}: each tag is 1 to {MAX_TAG_LENGTH} characters without control characters")
    return tuple(dict.fromkeys(tags))


def merge_tags(*groups):
    """The tags of every group, in order, without repeats; None when there are none. Raises TagsInvalid past MAX_TAGS."""
    merged = list(dict.fromkeys(tag for group in groups if group for tag in group))
    if len(merged) > MAX_TAGS:
        raise TagsInvalid(f"the body's tags and {HEADER} together hold {len(merged)} tags; at most {MAX_TAGS}")
    return merged or None
