"""The door every request body passes: one JSON parser, one depth limit, one text check.

PostgreSQL text cannot contain NUL, and an unpaired surrogate cannot be
encoded at all; both would otherwise surface as a 500 deep in a write. JSON
nested past ``MAX_JSON_DEPTH`` is refused before anything recurses into it
(Python's own parser would raise RecursionError near 1,000 levels), and so is a
body of more than ``MAX_JSON_VALUES`` values, before any schema looks at them; a JSON
body is at most ``MAX_JSON_BODY_BYTES`` where no file travels inline in it. The body
is read as the WSGI server hands it over, so a chunked body
(``Transfer-Encoding: chunked``) is checked exactly like one with a
Content-Length. Query strings and forms get the same text check.
"""

import json

from flask import abort as flask_abort
from flask import request
from flask_smorest import abort
from werkzeug.exceptions import RequestEntityTooLarge

from app.errors import unreadable_body_response

PROBLEM = "must not contain NUL characters or unpaired surrogates"
MAX_JSON_DEPTH = 32  # arrays and objects inside each other
# Values in one JSON body, all levels counted: every request schema's lists and maps
# are far smaller, and the walk below (and the schema after it) stays short.
MAX_JSON_VALUES = 10_000
# A JSON body is at most this large, except on the paths whose JSON carries a file inline (base64 images,
# fonts, logos), which keep MAX_CONTENT_LENGTH: no other request needs a tenth of it.
MAX_JSON_BODY_BYTES = 1024 * 1024
INLINE_FILE_PATHS = ("/ai/tools/edit", "/v1/images/edits", "/og/templates")
MAX_JSON_SEPARATORS = 100_000  # `,` `[` `{` anywhere, strings included: every bounded text field together has fewer


def _is_bad(text):
    return "\x00" in text or any("\ud800" <= ch <= "\udfff" for ch in text)


def load_json(data):
    """Parse a JSON body; ValueError (with the reason) if it is not JSON, nests too deeply or is far too large.

    Separators are counted before parsing (a C-speed scan): a body with more
    of them than any request could need is refused without building a value
    per item. Text may hold separators too, so the bound is generous; the
    exact count of values comes after parsing (``find_problem``)."""
    commas = data.count(b",")  # one scan settles a list of many items; brackets only when it does not
    if commas > MAX_JSON_SEPARATORS or commas + data.count(b"[") + data.count(b"{") > MAX_JSON_SEPARATORS:
        raise ValueError(f"the body holds more than {MAX_JSON_VALUES} values")
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels") from None


def find_problem(value):
    """(path, problem) of the first place in a JSON value that is too deep, too large or holds bad text, or None.

    Walks with an explicit stack, so no depth can exhaust Python's.
    """
    stack = [(value, "", 0)]
    seen = 0
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            if _is_bad(item):
                return path, PROBLEM
            continue
        if isinstance(item, dict | list):
            if depth >= MAX_JSON_DEPTH:
                return path or "(body)", f"nested deeper than {MAX_JSON_DEPTH} levels"
            seen += len(item)
            if seen > MAX_JSON_VALUES:
                return path or "(body)", f"the body holds more than {MAX_JSON_VALUES} values"
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in reversed(list(pairs)):
                child_path = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and _is_bad(key):
                    return child_path, PROBLEM
                stack.append((child, child_path, depth + 1))
    return None


def check_request_input():
    """Refuse bad text in the query string and form, and a JSON body that is invalid, too deep or holds it."""
    try:
        _check_request_input()
    except OSError as error:  # the body stopped mid-chunk, or a server's reader refused it
        flask_abort(unreadable_body_response(error))
    except RequestEntityTooLarge:
        limit = request.max_content_length
        abort(413, message=f"the request body is larger than {limit} bytes, this endpoint's limit"
              + (" for JSON" if limit == MAX_JSON_BODY_BYTES else ""))


def _check_request_input():
    if request.is_json and not request.path.startswith(INLINE_FILE_PATHS):
        # Before the body is first touched: a Content-Length past it is a 413 before anything
        # is read, and a chunked body stops at it.
        request.max_content_length = min(request.max_content_length or MAX_JSON_BODY_BYTES, MAX_JSON_BODY_BYTES)
    for location, values in (("query", request.args), ("form", request.form)):
        for name, value in values.items(multi=True):
            if _is_bad(name) or _is_bad(value):
                abort(400, message=f"{location} {name!r}: {PROBLEM}", errors={location: {name: [PROBLEM]}})
    if not request.is_json:
        return
    data = request.get_data(cache=True)  # Content-Length or chunked alike
    if not data:
        return
    try:
        body = load_json(data)
    except ValueError as error:
        abort(400, message=f"the JSON body could not be read: {error}", errors={"json": {"_body": [str(error)]}})
    found = find_problem(body)
    if found:
        path, problem = found
        abort(400, message=f"{path}: {problem}", errors={"json": {path: [problem]}})


def init_text_input(app):
    app.before_request(check_request_input)
