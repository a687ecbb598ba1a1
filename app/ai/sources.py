"""Images going into and out of a provider: dataset references, provider output checked by Pillow."""

import io
import logging
import warnings

from PIL import Image

from app.storage import get_storage

from .providers import ProviderError

log = logging.getLogger(__name__)


def load_reference_images(dataset, limit):
    """Up to ``limit`` reference images of ``dataset`` as bytes; unreadable ones are skipped."""
    if dataset is None:
        return []
    storage, found = get_storage(), []
    for image in dataset.images[:limit]:
        try:
            found.append(storage.get(image.bucket, image.storage_key))
        except Exception as error:
            log.warning("reference image %s unreadable: %s", image.id, error)
    return found


def decode_output(data, provider):
    """A provider's bytes as a loaded PIL image; garbage is the provider's fault (502, retry)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            image.load()
    except Exception as error:
        raise ProviderError("bad_response", f"{provider} returned bytes that are not an image") from error
    if image.mode not in ("RGB", "RGBA", "L"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    return image
