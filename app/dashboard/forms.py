"""What the dashboard's forms share: a schema's error messages as one line per field."""


def field_errors(messages, prefix=""):
    """marshmallow's (possibly nested) messages as {"field" or "field.sub": "message; message"}."""
    found = {}
    for name, value in messages.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict):
            found.update(field_errors(value, f"{key}."))
        else:
            found[key] = "; ".join(str(item) for item in value) if isinstance(value, list) else str(value)
    return found
