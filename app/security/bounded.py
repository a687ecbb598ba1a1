"""Request fields whose bounds are checked before their contents.

marshmallow validates every item of a list (and every key and value of a map)
before the list's own validators run, and names each bad item: a million
items cost a worker seconds and a huge error body before ``Length(max=20)``
is looked at. These fields check the length first, in time that does not
depend on the input, and ``Integer`` refuses a number with a fraction instead
of rounding it down. Request schemas use these; response schemas may keep
marshmallow's own.
"""

from marshmallow import fields, validate
from marshmallow.utils import is_collection


def _length_bounds(field):
    lengths = [check for check in field.validators if isinstance(check, validate.Length)]
    if not field.dump_only and not any(check.max is not None or check.equal is not None for check in lengths):
        raise TypeError(f"{type(field).__name__} needs validate=Length(max=…): a request field is bounded")
    return lengths


def _check_length(lengths, value):
    for check in lengths:
        check(value)  # len() only: the items are not looked at


class List(fields.List):
    """A list whose ``Length`` bound (required) is checked before any item is."""

    def __init__(self, inner, **kwargs):
        super().__init__(inner, **kwargs)
        self._lengths = _length_bounds(self)

    def _deserialize(self, value, attr, data, **kwargs):
        if is_collection(value):
            _check_length(self._lengths, value)
        return super()._deserialize(value, attr, data, **kwargs)


class Dict(fields.Dict):
    """A map whose ``Length`` bound (required) is checked before any key or value is."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lengths = _length_bounds(self)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dict):
            _check_length(self._lengths, value)
        return super()._deserialize(value, attr, data, **kwargs)


class Integer(fields.Integer):
    """A whole number: ``1.5`` is refused, not rounded down to 1 (``2.0`` is 2)."""

    def _validated(self, value):
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        return super()._validated(value)


class Boolean(fields.Boolean):
    """JSON's true or false: 0, 1, "yes" and the other spellings marshmallow takes are refused, as the
    document's ``boolean`` says (a query string's booleans keep marshmallow's own field)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value
