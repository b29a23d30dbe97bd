"""Result types: Image, GenerateResponse, Usage, SafetyRating, StreamEvent, HttpRequest."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, Dict, List, Literal, Mapping, NamedTuple, Optional, Tuple, Union

if TYPE_CHECKING:
    from pathlib import Path

    import PIL.Image

__all__ = [
    "Image",
    "GenerateResponse",
    "Usage",
    "ModalityTokenCount",
    "SafetyRating",
    "StreamEvent",
    "EventType",
    "HttpRequest",
]

_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "image/heic": ".heic",
    "image/heif": ".heif",
    "image/gif": ".gif",
}

NativeImage = Tuple[bytes, str, Optional[int], Optional[int]]
NativeResponse = Tuple[List[NativeImage], List[NativeImage], str]


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} kB"
    return f"{n} B"


class Image:
    """One image: ``data`` (the encoded bytes), ``mime_type``, ``width`` and ``height``
    (read from the header; None if unknown). Also usable as an input image."""

    __slots__ = ("data", "mime_type", "width", "height")

    def __init__(
        self,
        data: bytes,
        mime_type: str = "",
        width: Optional[int] = None,
        height: Optional[int] = None,
    ) -> None:
        self.data = data
        self.mime_type = mime_type
        self.width = width
        self.height = height

    @classmethod
    def _from_native(cls, raw: NativeImage) -> "Image":
        return cls(raw[0], raw[1], raw[2], raw[3])

    @classmethod
    def open(cls, path: Union[str, "os.PathLike[str]"]) -> "Image":
        """Reads an image file (its type is sniffed when it is sent)."""
        with open(path, "rb") as f:
            return cls(f.read())

    @property
    def extension(self) -> str:
        """The file extension for the MIME type (``".png"``, ``".jpg"``...)."""
        return _EXTENSIONS.get(self.mime_type, ".bin")

    def save(self, path: Union[str, "os.PathLike[str]"], *, overwrite: bool = False) -> Path:
        """Writes the image to ``path`` and returns the path written.

        The extension follows the bytes: ``.png``/``.jpg``... is added when the path has
        none (and a disagreeing image extension is replaced). An existing file is never
        replaced unless ``overwrite=True``: the next free name is used (``fox-2.jpg``).
        The write is atomic (temporary file, then rename); missing directories are created.
        """
        from pathlib import Path

        from . import _native

        written, _renamed, _warnings = _native.save_image(
            self.data, self.mime_type, os.fspath(path), overwrite
        )
        return Path(written)

    def to_pil(self) -> "PIL.Image.Image":
        """The image as a ``PIL.Image.Image`` (needs Pillow: ``pip install Pillow``)."""
        import io

        try:
            import PIL.Image
        except ImportError as err:  # pragma: no cover - depends on the environment
            raise ImportError("Image.to_pil() needs Pillow: pip install Pillow") from err
        picture = PIL.Image.open(io.BytesIO(self.data))
        picture.load()
        return picture

    def _repr_png_(self) -> Optional[bytes]:
        return self.data if self.mime_type == "image/png" else None

    def _repr_jpeg_(self) -> Optional[bytes]:
        return self.data if self.mime_type == "image/jpeg" else None

    def __len__(self) -> int:
        return len(self.data)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Image):
            return NotImplemented
        return self.mime_type == other.mime_type and self.data == other.data

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        dims = f"{self.width}x{self.height}" if self.width and self.height else "?x?"
        return f"Image({self.mime_type or 'unknown'}, {dims}, {_size(len(self.data))})"


class ModalityTokenCount(NamedTuple):
    """Tokens for one modality (``TEXT``, ``IMAGE``...)."""

    modality: str
    token_count: int


def _details(raw: Any) -> Tuple[ModalityTokenCount, ...]:
    return tuple(
        ModalityTokenCount(str(d.get("modality", "")), int(d.get("token_count", 0)))
        for d in (raw or [])
    )


class Usage(NamedTuple):
    """``usageMetadata``: every counter the API reports (None when not reported)."""

    prompt_token_count: Optional[int] = None
    cached_content_token_count: Optional[int] = None
    candidates_token_count: Optional[int] = None
    tool_use_prompt_token_count: Optional[int] = None
    thoughts_token_count: Optional[int] = None
    total_token_count: Optional[int] = None
    prompt_tokens_details: Tuple[ModalityTokenCount, ...] = ()
    cache_tokens_details: Tuple[ModalityTokenCount, ...] = ()
    candidates_tokens_details: Tuple[ModalityTokenCount, ...] = ()
    tool_use_prompt_tokens_details: Tuple[ModalityTokenCount, ...] = ()
    service_tier: Optional[str] = None
    traffic_type: Optional[str] = None

    @classmethod
    def _from_dict(cls, raw: Mapping[str, Any]) -> "Usage":
        return cls(
            prompt_token_count=raw.get("prompt_token_count"),
            cached_content_token_count=raw.get("cached_content_token_count"),
            candidates_token_count=raw.get("candidates_token_count"),
            tool_use_prompt_token_count=raw.get("tool_use_prompt_token_count"),
            thoughts_token_count=raw.get("thoughts_token_count"),
            total_token_count=raw.get("total_token_count"),
            prompt_tokens_details=_details(raw.get("prompt_tokens_details")),
            cache_tokens_details=_details(raw.get("cache_tokens_details")),
            candidates_tokens_details=_details(raw.get("candidates_tokens_details")),
            tool_use_prompt_tokens_details=_details(raw.get("tool_use_prompt_tokens_details")),
            service_tier=raw.get("service_tier"),
            traffic_type=raw.get("traffic_type"),
        )


class SafetyRating(NamedTuple):
    """One safety rating of the candidate."""

    category: str
    probability: str
    blocked: Optional[bool] = None


class GenerateResponse:
    """The result of a call.

    Attributes:
        images: the final images, in order.
        image: the first final image (None only for responses taken as data).
        text: the model's non-thought text ("" when none).
        thought_images: interim images the model drew while thinking (Gemini 3).
        thoughts: the thought summaries.
        finish_reason, finish_message: why generation stopped, verbatim.
        block_reason, block_reason_message: set when the prompt was blocked.
        safety_ratings: the candidate's ratings.
        usage: token counts (None when not reported).
        model_version, response_id: as the server sent them.
        thought_signatures: the candidate's ``thoughtSignature`` values, in part order.
    """

    __slots__ = (
        "images",
        "thought_images",
        "text",
        "thoughts",
        "finish_reason",
        "finish_message",
        "block_reason",
        "block_reason_message",
        "safety_ratings",
        "usage",
        "model_version",
        "response_id",
        "thought_signatures",
        "prompt_feedback",
    )

    def __init__(
        self,
        *,
        images: List[Image],
        thought_images: List[Image],
        text: str = "",
        thoughts: str = "",
        finish_reason: Optional[str] = None,
        finish_message: Optional[str] = None,
        block_reason: Optional[str] = None,
        block_reason_message: Optional[str] = None,
        safety_ratings: Optional[List[SafetyRating]] = None,
        usage: Optional[Usage] = None,
        model_version: Optional[str] = None,
        response_id: Optional[str] = None,
        thought_signatures: Optional[List[str]] = None,
        prompt_feedback: Optional[Dict[str, Any]] = None,
    ) -> None:
        self.images = images
        self.thought_images = thought_images
        self.text = text
        self.thoughts = thoughts
        self.finish_reason = finish_reason
        self.finish_message = finish_message
        self.block_reason = block_reason
        self.block_reason_message = block_reason_message
        self.safety_ratings = safety_ratings or []
        self.usage = usage
        self.model_version = model_version
        self.response_id = response_id
        self.thought_signatures = thought_signatures or []
        self.prompt_feedback = prompt_feedback

    @classmethod
    def _from_native(cls, raw: NativeResponse) -> "GenerateResponse":
        images, thought_images, meta_json = raw
        meta: Dict[str, Any] = json.loads(meta_json)
        usage = meta.get("usage")
        return cls(
            images=[Image._from_native(i) for i in images],
            thought_images=[Image._from_native(i) for i in thought_images],
            text=meta.get("text") or "",
            thoughts=meta.get("thoughts") or "",
            finish_reason=meta.get("finish_reason"),
            finish_message=meta.get("finish_message"),
            block_reason=meta.get("block_reason"),
            block_reason_message=meta.get("block_reason_message"),
            safety_ratings=[
                SafetyRating(
                    str(r.get("category", "")), str(r.get("probability", "")), r.get("blocked")
                )
                for r in (meta.get("safety_ratings") or [])
            ],
            usage=Usage._from_dict(usage) if usage is not None else None,
            model_version=meta.get("model_version"),
            response_id=meta.get("response_id"),
            thought_signatures=list(meta.get("thought_signatures") or []),
            prompt_feedback=meta.get("prompt_feedback"),
        )

    @property
    def image(self) -> Optional[Image]:
        """The first final image, or None."""
        return self.images[0] if self.images else None

    def __repr__(self) -> str:
        parts = [f"images={self.images!r}"]
        if self.thought_images:
            parts.append(f"thought_images={len(self.thought_images)}")
        if self.text:
            text = self.text if len(self.text) <= 60 else self.text[:57] + "..."
            parts.append(f"text={text!r}")
        parts.append(f"finish_reason={self.finish_reason!r}")
        if self.block_reason:
            parts.append(f"block_reason={self.block_reason!r}")
        if self.usage and self.usage.total_token_count is not None:
            parts.append(f"total_tokens={self.usage.total_token_count}")
        if self.model_version:
            parts.append(f"model_version={self.model_version!r}")
        return f"GenerateResponse({', '.join(parts)})"


EventType = Literal["thought_text", "thought_image", "text", "image", "done"]


class StreamEvent:
    """One event of a stream. ``type`` is ``"thought_text"``, ``"thought_image"``,
    ``"text"``, ``"image"`` or ``"done"``; ``text`` is set for the text kinds, ``image``
    for the image kinds, and ``response`` (the merged result) for ``done``."""

    __slots__ = ("type", "text", "image", "response")

    def __init__(
        self,
        type: EventType,
        *,
        text: Optional[str] = None,
        image: Optional[Image] = None,
        response: Optional[GenerateResponse] = None,
    ) -> None:
        self.type = type
        self.text = text
        self.image = image
        self.response = response

    @classmethod
    def _from_native(cls, raw: Tuple[str, Any]) -> "StreamEvent":
        kind, payload = raw
        if kind == "done":
            return cls("done", response=GenerateResponse._from_native(payload))
        if kind in ("thought_image", "image"):
            return cls(kind, image=Image._from_native(payload))  # type: ignore[arg-type]
        return cls(kind, text=payload)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        if self.image is not None:
            return f"StreamEvent({self.type!r}, image={self.image!r})"
        if self.response is not None:
            return f"StreamEvent('done', response={self.response!r})"
        return f"StreamEvent({self.type!r}, text={self.text!r})"


_SECRET_HEADERS = ("x-goog-api-key", "authorization")


class HttpRequest:
    """A request to send with any HTTP library: ``method``, ``url``, ``headers``, ``body``."""

    __slots__ = ("method", "url", "headers", "body")

    def __init__(self, method: str, url: str, headers: Dict[str, str], body: bytes) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body

    def __repr__(self) -> str:
        shown = {k: ("***" if k.lower() in _SECRET_HEADERS else v) for k, v in self.headers.items()}
        return (
            f"HttpRequest({self.method} {self.url}, headers={shown!r}, "
            f"body=<{_size(len(self.body))}>)"
        )
