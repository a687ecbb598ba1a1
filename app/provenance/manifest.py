"""What a manifest says: one ``Origin`` per image, turned into the C2PA manifest definition.

Actions follow the C2PA rules: ``c2pa.created`` (with the IPTC digital source
type) opens a manifest that has no parent; an edit opens its source
(``c2pa.opened``, the parent ingredient) and then ``c2pa.edited``; a provider
answer that carried its own manifest is opened as the parent and
``c2pa.transcoded`` (Imprint re-encodes it), so what the provider signed stays.
"""

import hashlib
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from .xmp import source_type_uri

IMPRINT_ASSERTION = "org.imprint.image"
TRAINED = "trainedAlgorithmicMedia"  # a trained model's output
ALGORITHMIC = "algorithmicMedia"  # an algorithm without training data: procedural art, charts
AI_EDIT = "compositeWithTrainedAlgorithmicMedia"  # a source image changed by a model


def imprint_version():
    try:
        return version("imprint")
    except PackageNotFoundError:
        return "0.1.0"


@dataclass(frozen=True)
class Origin:
    """Where one image came from, as its manifest and XMP tell it."""

    source_type: str | None  # IPTC code; None for a plain edit (its parent ingredient says)
    image_id: str | None = None  # the ledger's generated_images id
    provider: str | None = None
    model: str | None = None
    size: str | None = None
    created_at: str | None = None  # ISO 8601, UTC
    tool: str | None = None
    prompt: str | None = None
    include_prompt: bool = False  # prompts can be private: only their SHA-256 by default
    parent: bytes | None = None  # an edit's source image (encoded)
    provider_signed: bytes | None = None  # the provider's answer, when it carried its own manifest
    title: str = "Imprint image"

    @property
    def is_edit(self):
        return self.parent is not None


def prompt_sha256(prompt):
    return hashlib.sha256(prompt.encode()).hexdigest() if prompt else None


def _agent():
    return {"name": "Imprint", "version": imprint_version()}


def _action(name, source_type=None, ingredient=None):
    action = {"action": name, "softwareAgent": _agent()}
    if source_type:
        action["digitalSourceType"] = source_type_uri(source_type)
    if ingredient:
        action["parameters"] = {"ingredientIds": [ingredient]}
    return action


def actions_for(origin):
    """The ``c2pa.actions`` list (see the module docstring for why each shape)."""
    if origin.is_edit:
        edited = _action("c2pa.edited", origin.source_type, "provider" if origin.provider_signed else None)
        return [_action("c2pa.opened", None, "parent"), edited]
    if origin.provider_signed is not None:
        return [_action("c2pa.opened", origin.source_type, "parent"), _action("c2pa.transcoded")]
    return [_action("c2pa.created", origin.source_type)]


def ingredients_for(origin):
    """[(ingredient definition, encoded bytes)] in the order the actions name them."""
    if origin.is_edit:
        found = [({"title": "source image", "relationship": "parentOf", "label": "parent"}, origin.parent)]
        if origin.provider_signed is not None:
            found.append(({"title": f"{origin.provider} answer", "relationship": "componentOf",
                           "label": "provider"}, origin.provider_signed))
        return found
    if origin.provider_signed is not None:
        return [({"title": f"{origin.provider} answer", "relationship": "parentOf", "label": "parent"},
                 origin.provider_signed)]
    return []


def imprint_assertion(origin):
    """The ledger's facts: image id, provider, model, size, time, the prompt's SHA-256."""
    data = {"image_id": origin.image_id, "provider": origin.provider, "model": origin.model,
            "size": origin.size, "created_at": origin.created_at, "tool": origin.tool,
            "prompt_sha256": prompt_sha256(origin.prompt)}
    if origin.include_prompt and origin.prompt:
        data["prompt"] = origin.prompt
    return {k: v for k, v in data.items() if v is not None}


def build_manifest(origin):
    """The manifest definition c2pa's Builder takes."""
    return {
        "claim_generator_info": [_agent()],
        "title": origin.title,
        "assertions": [
            {"label": "c2pa.actions", "data": {"actions": actions_for(origin)}},
            {"label": IMPRINT_ASSERTION, "data": imprint_assertion(origin)},
        ],
    }


def derivative_manifest():
    """A resized or re-encoded copy of a signed image: opened from its parent, then resized."""
    return {
        "claim_generator_info": [_agent()],
        "title": "Imprint image variant",
        "assertions": [{"label": "c2pa.actions", "data": {"actions": [
            _action("c2pa.opened", None, "parent"), _action("c2pa.resized")]}}],
    }


DERIVATIVE_INGREDIENT = {"title": "original image", "relationship": "parentOf", "label": "parent"}
