"""What goes into the file of one generated image: the encoded pixels, AUTOMATIC1111's
``parameters`` text, and the Content Credentials that name its ledger record."""

from app.provenance.service import encode_marked, output_origin

from .providers import PROVIDERS


def encode_output(plan, result, image, picture, index, image_id):
    """The bytes to store for the run's ``index``-th image (``picture``), marked as ``image_id``."""
    return encode_marked(picture, plan.options.format or "png", _parameters(plan, result, picture, index),
                         _origin(plan, result, image, picture, image_id))


def _parameters(plan, result, picture, index):
    """AUTOMATIC1111's ``parameters`` text: prompt, negative prompt, then key: value pairs."""
    pairs = {"Provider": plan.provider, "Model": result.model, "Size": f"{picture.width}x{picture.height}",
             "Style": plan.options.style, "Quality": plan.options.quality,
             "Seed": result.info.get("seed"), "Tool": plan.tool_name, "Batch index": index}
    text = plan.full_prompt
    if plan.negative_prompt:
        text += f"\nNegative prompt: {plan.negative_prompt}"
    return text + "\n" + ", ".join(f"{k}: {v}" for k, v in pairs.items() if v not in (None, ""))


def _origin(plan, result, image, picture, image_id):
    """What the file's Content Credentials say about this output (app/provenance)."""
    return output_origin(image_id=image_id, provider=plan.provider, model=result.model,
                         is_ai=getattr(PROVIDERS.get(plan.provider), "is_ai", False),
                         size=f"{picture.width}x{picture.height}", tool=plan.tool_name, prompt=plan.prompt,
                         source=image.source, provider_bytes=image.data)
