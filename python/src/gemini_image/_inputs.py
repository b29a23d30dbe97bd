"""Converting Python inputs (images, options) into what the native module takes."""

from __future__ import annotations

import io
import json
import os
from typing import Any, Dict, List, Optional, Tuple, Union

from ._types import Image
from .errors import _invalid

NativeImageIn = Union[str, Tuple[bytes, Optional[str]]]

#: What can be passed as an image.
ImageInput = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, Image, Any]

_PIL_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


def _is_pil(value: Any) -> bool:
    module = type(value).__module__ or ""
    return module.startswith("PIL.") and hasattr(value, "save") and hasattr(value, "mode")


def _pil_bytes(picture: Any) -> Tuple[bytes, str]:
    fmt = (getattr(picture, "format", None) or "").upper()
    if fmt not in _PIL_FORMATS:
        fmt = "PNG"
    buffer = io.BytesIO()
    if fmt == "JPEG" and picture.mode not in ("RGB", "L", "CMYK"):
        picture = picture.convert("RGB")
    picture.save(buffer, format=fmt)
    return buffer.getvalue(), _PIL_FORMATS[fmt]


def _one(value: Any, name: str) -> NativeImageIn:
    if isinstance(value, Image):
        return (value.data, value.mime_type)  # its label as given ("" = unknown, sniffed)
    if isinstance(value, bytes):
        return (value, None)
    if isinstance(value, (bytearray, memoryview)):
        return (bytes(value), None)
    if isinstance(value, str):
        return value
    if isinstance(value, os.PathLike):
        return os.fsdecode(os.fspath(value))
    if _is_pil(value):
        return _pil_bytes(value)
    raise _invalid(
        name,
        f"cannot use a {type(value).__name__} as an image; pass a file path (str or "
        "os.PathLike), bytes, bytearray, memoryview, a gemini_image.Image or a PIL image",
    )


def _is_single(value: Any) -> bool:
    return isinstance(value, (str, bytes, bytearray, memoryview, Image, os.PathLike)) or _is_pil(
        value
    )


def images_in(images: Any, name: str = "images") -> List[NativeImageIn]:
    """Normalizes one image or a sequence of images."""
    if images is None:
        return []
    if _is_single(images):
        return [_one(images, f"{name}[0]")]
    if isinstance(images, (list, tuple)) or hasattr(images, "__iter__"):
        return [_one(item, f"{name}[{i}]") for i, item in enumerate(images)]
    return [_one(images, f"{name}[0]")]


def options_json(options: Dict[str, Any]) -> Optional[str]:
    """The set options as one JSON object (None when nothing is set)."""
    present = {k: v for k, v in options.items() if v is not None}
    if not present:
        return None
    try:
        return json.dumps(present)
    except (TypeError, ValueError) as err:
        bad = next(
            (k for k, v in present.items() if not _json_ok(v)),
            "options",
        )
        raise _invalid(bad, f"is not JSON-serializable ({err})") from None


def _json_ok(value: Any) -> bool:
    try:
        json.dumps(value)
        return True
    except (TypeError, ValueError):
        return False


def prompt_in(prompt: Any) -> str:
    if not isinstance(prompt, str):
        raise _invalid("prompt", f"must be a str, got {type(prompt).__name__}")
    return prompt
