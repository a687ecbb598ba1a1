"""What /provenance/verify and /ai/generated-images/<id>/provenance answer."""

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from app.history.schemas import ImageRecordSchema

STATES = ("trusted", "valid", "invalid")


class VerifyUploadSchema(Schema):
    image = Upload(required=True, metadata={"description": "the image to check: PNG, JPEG, WebP or GIF"})


class ActionSchema(Schema):
    action = fields.String(metadata={"description": "c2pa.created, c2pa.opened, c2pa.edited, …"})
    digital_source_type = fields.String(allow_none=True, metadata={
        "description": "IPTC code: trainedAlgorithmicMedia, algorithmicMedia, …"})
    software_agent = fields.String(allow_none=True)


class SignerSchema(Schema):
    issuer = fields.String(allow_none=True)
    common_name = fields.String(allow_none=True)
    serial_number = fields.String(allow_none=True)
    algorithm = fields.String(allow_none=True)
    time = fields.String(allow_none=True)


class FailureSchema(Schema):
    code = fields.String()
    explanation = fields.String(allow_none=True)


class ManifestSchema(Schema):
    title = fields.String(allow_none=True)
    claim_generator = fields.String(allow_none=True)
    signer = fields.Nested(SignerSchema, allow_none=True)
    actions = fields.List(fields.Nested(ActionSchema))
    digital_source_type = fields.String(allow_none=True)
    imprint = fields.Dict(allow_none=True, metadata={
        "description": "Imprint's assertion: image_id, provider, model, size, created_at, prompt_sha256"})
    ingredients = fields.List(fields.Nested(lambda: IngredientSchema()))


class IngredientSchema(Schema):
    title = fields.String(allow_none=True)
    relationship = fields.String(allow_none=True, metadata={"description": "parentOf, componentOf"})
    format = fields.String(allow_none=True)
    has_manifest = fields.Boolean()
    state = fields.String(allow_none=True, validate=validate.OneOf(("valid", "invalid")))
    manifest = fields.Nested(ManifestSchema, allow_none=True)


class CredentialsSchema(ManifestSchema):
    credentials = fields.String(required=True, validate=validate.OneOf(("present", "none", "unavailable")),
                                metadata={"description": "none: the file carries no Content Credentials; "
                                          "unavailable: the stored file cannot be read now"})
    state = fields.String(validate=validate.OneOf(STATES), metadata={
        "description": "trusted, valid (intact, signer not on the trust list) or invalid (changed)"})
    trusted = fields.Boolean()
    failures = fields.List(fields.Nested(FailureSchema))
    signed_here = fields.Boolean(metadata={"description": "signed with this Imprint's certificate"})
    ledger = fields.String(allow_none=True, validate=validate.OneOf(("match", "different_bytes", "not_found")),
                           metadata={"description": "match: the file is the one this ledger stored"})
    image = fields.Nested(ImageRecordSchema, allow_none=True,
                          metadata={"description": "the ledger record, to whoever may see it"})
