"""Text that no database column can hold is refused at the door, naming the field.

PostgreSQL text cannot contain NUL, and an unpaired surrogate cannot be
encoded at all; both would otherwise surface as a 500 deep in a write. One
check on every request's query string, form and JSON body covers every
endpoint.
"""

from flask import request
from flask_smorest import abort

PROBLEM = "must not contain NUL characters or unpaired surrogates"


def _is_bad(text):
    return "\x00" in text or any("\ud800" <= ch <= "\udfff" for ch in text)


def _find_bad(value, path):
    """The path of the first bad string (key or value) in a JSON value, or None."""
    if isinstance(value, str):
        return path if _is_bad(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if _is_bad(str(key)):
                return child
            found = _find_bad(item, child)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _find_bad(item, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


def reject_unstorable_text():
    for location, values in (("query", request.args), ("form", request.form)):
        for name, value in values.items(multi=True):
            if _is_bad(name) or _is_bad(value):
                abort(400, message=f"{location} {name!r}: {PROBLEM}", errors={location: {name: [PROBLEM]}})
    if request.is_json and request.content_length:
        body = request.get_json(silent=True)
        found = _find_bad(body, "") if body is not None else None
        if found:
            abort(400, message=f"{found}: {PROBLEM}", errors={"json": {found: [PROBLEM]}})


def init_text_input(app):
    app.before_request(reject_unstorable_text)
