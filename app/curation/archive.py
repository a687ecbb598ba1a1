"""A ZIP of images, streamed: one image in memory at a time, whatever the number of images."""

import io
import zipfile

EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif"}


class _Chunks(io.RawIOBase):
    """A write-only, unseekable sink: zipfile then writes data descriptors and never seeks back."""

    def __init__(self):
        self.chunks = []

    def writable(self):
        return True

    def write(self, data):
        self.chunks.append(bytes(data))
        return len(data)

    def take(self):
        out = b"".join(self.chunks)
        self.chunks.clear()
        return out


def entry_name(record):
    ext = EXTENSIONS.get(record.mime_type or "", "png")
    return f"{record.created_at:%Y%m%d-%H%M%S}-{str(record.id)[:8]}.{ext}"


def stream_zip(entries):
    """Yield the bytes of a ZIP of ``entries`` [(name, load)], ``load()`` giving one file's bytes."""
    sink = _Chunks()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:  # images are compressed
        for name, load in entries:
            with archive.open(name, "w", force_zip64=True) as member:
                member.write(load())
            yield sink.take()
    yield sink.take()
