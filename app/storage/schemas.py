"""Query arguments of image URLs: the variant a client asks for."""

from marshmallow import Schema, fields
from marshmallow.validate import Length, OneOf

from .variants import FITS, FORMATS, QUALITIES, SIZES


class VariantQuerySchema(Schema):
    """Any of these makes the answer a variant (made once and kept); none: the stored bytes as they are."""

    w = fields.Integer(validate=OneOf(SIZES, error="must be one of " + ", ".join(map(str, SIZES))),
                       metadata={"description": "Width of the box the image is scaled into (never enlarged)"})
    h = fields.Integer(validate=OneOf(SIZES, error="must be one of " + ", ".join(map(str, SIZES))),
                       metadata={"description": "Height of that box"})
    fit = fields.String(load_default="contain", validate=OneOf(FITS, error="must be one of contain, cover"),
                        metadata={"description": "contain: the whole image inside the box; cover: the box "
                                  "filled, the centre kept (needs w and h)"})
    format = fields.String(validate=OneOf((*FORMATS, "auto"), error="must be one of webp, avif, jpeg, png, auto"),
                           metadata={"description": "webp, avif, jpeg, png; auto: AVIF or WebP as the "
                                     "client's Accept header allows, else the stored format (Vary: Accept)"})
    q = fields.Integer(load_default=80, validate=OneOf(QUALITIES, error="must be one of "
                                                       + ", ".join(map(str, QUALITIES))),
                       metadata={"description": "Encoding quality of webp, avif and jpeg"})
    expires = fields.Integer(load_only=True, metadata={"description": "private images: when the URL "
                             "stops working (Unix time), as the API handed it out"})
    sig = fields.String(load_only=True, validate=Length(max=64),
                        metadata={"description": "private images: the URL's signature, as the API handed it out"})
