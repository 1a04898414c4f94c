"""Photos sent with citizens' reports: checked to be images, re-encoded as JPEG without any
metadata (EXIF GPS, camera serials, names), shrunk to a sane size, stored under var/."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from gis_core.errors import FixedField

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
LONGEST_SIDE = 2048


class BadPhoto(FixedField):
    """Not an image we accept."""

    field_name = "photo"


def _open(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError) as error:
        raise BadPhoto("the photo is not a JPEG, PNG or WebP image") from error
    if image.format not in ACCEPTED_FORMATS:
        raise BadPhoto(f"photos must be JPEG, PNG or WebP, not {image.format}")
    if image.width * image.height > MAX_PIXELS:
        raise BadPhoto("the photo has too many pixels")
    return image


def clean_jpeg(data: bytes) -> bytes:
    """The photo as a metadata-free JPEG whose longest side is at most LONGEST_SIDE."""
    image = _open(data)
    try:
        image.load()
    except (OSError, Image.DecompressionBombError) as error:
        raise BadPhoto("the photo is damaged") from error
    image = image.convert("RGB")
    image.thumbnail((LONGEST_SIDE, LONGEST_SIDE))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)  # a fresh file: no EXIF is carried over
    return out.getvalue()


def store(folder: Path, jpeg: bytes) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{uuid.uuid4().hex}.jpg"
    (folder / name).write_bytes(jpeg)
    return name
