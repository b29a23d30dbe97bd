"""gemini-image: generate and edit images with Gemini image models (Nano Banana, Nano
Banana Pro, Nano Banana 2) through the AI Thực Chiến gateway or Google's API.

::

    import gemini_image

    client = gemini_image.Client()          # key from THUCCHIEN_API_KEY / GEMINI_API_KEY
    result = client.generate("a lighthouse at dusk, watercolor", aspect_ratio="16:9")
    result.image.save("lighthouse")         # lighthouse.jpg (or .png)

Offline, against the bundled emulator: ``gemini_image.testing.Emulator``.
"""

from typing import TYPE_CHECKING, Any

from . import errors
from ._client import BatchRequest, BatchResult, CancelToken, Chat, Client, ImageStream
from ._native import DEFAULT_MODEL, GATEWAY_BASE_URL, GOOGLE_BASE_URL, __version__
from ._sansio import SansIOChat, StreamDecoder, build_request, parse_response, retry_delay
from ._types import (
    EventType,
    GenerateResponse,
    HttpRequest,
    Image,
    ModalityTokenCount,
    SafetyRating,
    StreamEvent,
    Usage,
)
from .errors import (
    AuthenticationError,
    CancelledError,
    DecodeError,
    GeminiImageError,
    InternalError,
    InvalidRequestError,
    IoError,
    NetworkError,
    NoImageError,
    NotFoundError,
    PermissionDeniedError,
    QuotaExhaustedError,
    RateLimitError,
    ResponseTooLargeError,
    ServerError,
    TimeoutError,
)

if TYPE_CHECKING:
    from ._async import AsyncChat, AsyncClient, AsyncImageStream

_LAZY = ("AsyncClient", "AsyncChat", "AsyncImageStream")


def __getattr__(name: str) -> Any:
    # asyncio costs more to import than the rest of the package: load it on first use.
    if name in _LAZY:
        from . import _async

        return getattr(_async, name)
    raise AttributeError(f"module 'gemini_image' has no attribute {name!r}")


__all__ = [
    "__version__",
    "DEFAULT_MODEL",
    "GATEWAY_BASE_URL",
    "GOOGLE_BASE_URL",
    "Client",
    "CancelToken",
    "AsyncClient",
    "Chat",
    "AsyncChat",
    "ImageStream",
    "AsyncImageStream",
    "BatchRequest",
    "BatchResult",
    "Image",
    "GenerateResponse",
    "Usage",
    "ModalityTokenCount",
    "SafetyRating",
    "StreamEvent",
    "EventType",
    "HttpRequest",
    "build_request",
    "parse_response",
    "retry_delay",
    "StreamDecoder",
    "SansIOChat",
    "errors",
    "GeminiImageError",
    "InvalidRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "RateLimitError",
    "QuotaExhaustedError",
    "ServerError",
    "TimeoutError",
    "NetworkError",
    "DecodeError",
    "ResponseTooLargeError",
    "NoImageError",
    "CancelledError",
    "IoError",
    "InternalError",
]
