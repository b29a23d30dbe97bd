"""The exception tree of gemini-image.

Every error the SDK raises is a :class:`GeminiImageError`; its subclass follows the core's
stable ``kind`` string (the same in Rust, Python, Node and the CLI), so code can catch
``RateLimitError`` or look at ``err.kind == "rate_limited"``. Messages say what to do and
never contain the API key.
"""

from __future__ import annotations

import builtins
import json
from typing import TYPE_CHECKING, Any, ClassVar, Dict, Optional, Tuple, Type

if TYPE_CHECKING:
    from ._types import GenerateResponse

__all__ = [
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
    "error_class_for_kind",
]


class GeminiImageError(Exception):
    """Base class of every gemini-image error.

    Attributes:
        kind: the stable snake_case category (``"rate_limited"``, ``"no_image"``...).
        message: what went wrong and what to do (no key, ever).
        status_code: the HTTP status when the error came from a response, else None.
        retryable: whether sending the same request again may succeed.
        field: for invalid requests, the option to fix (``"aspect_ratio"``, ``"images[1]"``).
        retry_after: seconds the server asked to wait, when it named a delay.
        api_status: Google's ``error.status`` (``"RESOURCE_EXHAUSTED"``...), when given.
        reason: ``ErrorInfo.reason`` (``"API_KEY_INVALID"``...), when given.
        error_type: the gateway's ``error.type`` (``"budget_exceeded"``...), when given.
        code: the kind as a constant (``"GEMINI_IMAGE_RATE_LIMITED"``), as in Node and the CLI.
        remedy: what to change, as the core's snake_case name (``"raise_timeout"``...).
    """

    kind: ClassVar[str] = "unknown"

    def __init__(
        self,
        message: str,
        *,
        kind: Optional[str] = None,
        status_code: Optional[int] = None,
        retryable: bool = False,
        field: Optional[str] = None,
        retry_after: Optional[float] = None,
        api_status: Optional[str] = None,
        reason: Optional[str] = None,
        error_type: Optional[str] = None,
        code: Optional[str] = None,
        remedy: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if kind is not None and kind != type(self).kind:
            # An unknown kind from a newer core: keep the string.
            self.kind = kind  # type: ignore[misc]
        self.status_code = status_code
        self.retryable = retryable
        self.field = field
        self.retry_after = retry_after
        self.api_status = api_status
        self.reason = reason
        self.error_type = error_type
        self.code = code or f"GEMINI_IMAGE_{self.kind.upper()}"
        self.remedy = remedy

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        parts = [repr(self.message)]
        for name in ("status_code", "field", "retry_after"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __reduce__(self) -> Tuple[Any, ...]:
        state = dict(self.__dict__)
        return (_rebuild, (type(self), self.message, state))


def _rebuild(cls: Type[GeminiImageError], message: str, state: Dict[str, Any]) -> GeminiImageError:
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(state)
    return err


class InvalidRequestError(GeminiImageError, ValueError):
    """The request is invalid (caught before sending, or a 400); ``.field`` names the option."""

    kind = "invalid_request"


class AuthenticationError(GeminiImageError):
    """The API key is missing or wrong (401, or Google's ``API_KEY_INVALID``)."""

    kind = "authentication"


class PermissionDeniedError(GeminiImageError):
    """The key may not do this (403)."""

    kind = "permission_denied"


class NotFoundError(GeminiImageError):
    """Unknown or retired model, or a wrong base URL (404)."""

    kind = "not_found"


class RateLimitError(GeminiImageError):
    """Too many requests right now (429); retry after ``.retry_after`` seconds if given."""

    kind = "rate_limited"


class QuotaExhaustedError(GeminiImageError):
    """Budget exceeded or credits depleted: waiting will not help; top up or raise the budget."""

    kind = "quota_exhausted"


class ServerError(GeminiImageError):
    """A server-side failure (500, 502, 503...)."""

    kind = "server"


class TimeoutError(GeminiImageError, builtins.TimeoutError):
    """The call took too long (client timeout, 408, 504). Also a built-in ``TimeoutError``."""

    kind = "timeout"


class NetworkError(GeminiImageError, ConnectionError):
    """The connection failed or broke. Also a built-in ``ConnectionError``."""

    kind = "network"


class DecodeError(GeminiImageError):
    """The response could not be decoded (bad JSON, bad base64, an HTML error page)."""

    kind = "decode"


class ResponseTooLargeError(GeminiImageError):
    """The response body is larger than the client's cap."""

    kind = "response_too_large"


class CancelledError(GeminiImageError):
    """The call was cancelled before it finished."""

    kind = "cancelled"


class IoError(GeminiImageError, OSError):
    """A local file could not be read or written (``.field`` names the input)."""

    kind = "io"


class InternalError(GeminiImageError):
    """A bug in gemini-image; please report it."""

    kind = "internal"


class NoImageError(GeminiImageError):
    """HTTP 200 without a final image: the prompt was blocked, the image filtered, or the
    model answered with text only.

    Attributes:
        finish_reason: the candidate's ``finishReason`` (``"IMAGE_SAFETY"``...), verbatim.
        finish_message: the candidate's ``finishMessage``, when given.
        block_reason: ``promptFeedback.blockReason``, when the prompt was blocked.
        block_reason_message: ``promptFeedback.blockReasonMessage``.
        text: any text the model wrote instead (often the refusal).
        response: the whole parsed response.
    """

    kind = "no_image"

    def __init__(
        self,
        message: str,
        *,
        finish_reason: Optional[str] = None,
        finish_message: Optional[str] = None,
        block_reason: Optional[str] = None,
        block_reason_message: Optional[str] = None,
        text: Optional[str] = None,
        response: Optional["GenerateResponse"] = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("status_code", 200)
        super().__init__(message, **kwargs)
        self.finish_reason = finish_reason
        self.finish_message = finish_message
        self.block_reason = block_reason
        self.block_reason_message = block_reason_message
        self.text = text
        self.response = response


_ALL: Tuple[Type[GeminiImageError], ...] = (
    InvalidRequestError,
    AuthenticationError,
    PermissionDeniedError,
    NotFoundError,
    RateLimitError,
    QuotaExhaustedError,
    ServerError,
    TimeoutError,
    NetworkError,
    DecodeError,
    ResponseTooLargeError,
    NoImageError,
    CancelledError,
    IoError,
    InternalError,
)

#: The one table from the core's kind string to its class.
_BY_KIND: Dict[str, Type[GeminiImageError]] = {cls.kind: cls for cls in _ALL}


def error_class_for_kind(kind: str) -> Type[GeminiImageError]:
    """The exception class for a core kind string (``GeminiImageError`` for unknown kinds)."""
    return _BY_KIND.get(kind, GeminiImageError)


def _remedy_text(remedy: Optional[str], field: Optional[str], after: Optional[float]) -> str:
    """The core's structured remedy, in Python's words."""
    if remedy == "set_api_key":
        return "pass api_key=... to Client(), or set THUCCHIEN_API_KEY or GEMINI_API_KEY"
    if remedy == "check_api_key":
        return "check the API key, and that it belongs to this base_url"
    if remedy == "check_base_url":
        return "check base_url=..., the proxy settings and the network"
    if remedy == "raise_timeout":
        return "pass a larger timeout=... (seconds) to Client()"
    if remedy == "raise_response_limit":
        return "the response is larger than the client accepts; ask for a smaller image_size"
    if remedy == "retry_later":
        return f"retry in {after:g} s" if after is not None else "retry later"
    if remedy == "top_up":
        return "top up the credits or raise the budget; retrying will not help"
    # fix_field: the message already names the field and says what is accepted.
    if remedy == "check_model":
        return "check model=... (e.g. gemini-3.1-flash-image, gemini-3-pro-image-preview)"
    if remedy == "rephrase":
        return "rephrase the prompt"
    return ""


def _with_remedy(message: str, remedy: str) -> str:
    if not remedy or remedy.lower() in message.lower():
        return message
    return f"{message} (to fix: {remedy})"


def _from_native(
    kind: str, message: str, details_json: str, response: Optional[Tuple[Any, Any, str]]
) -> GeminiImageError:
    """Called by the native module: builds the exception for a core error."""
    details: Dict[str, Any] = json.loads(details_json)
    cls = error_class_for_kind(kind)
    common: Dict[str, Any] = {
        "kind": kind,
        "status_code": details.get("status_code"),
        "retryable": bool(details.get("retryable")),
        "field": details.get("field"),
        "retry_after": details.get("retry_after"),
        "api_status": details.get("api_status"),
        "reason": details.get("reason"),
        "error_type": details.get("error_type"),
        "code": details.get("code"),
        "remedy": details.get("remedy"),
    }
    text = _with_remedy(
        message,
        _remedy_text(details.get("remedy"), details.get("remedy_field"), details.get("remedy_after")),
    )
    if issubclass(cls, NoImageError):
        from ._types import GenerateResponse

        return cls(
            text,
            finish_reason=details.get("finish_reason"),
            finish_message=details.get("finish_message"),
            block_reason=details.get("block_reason"),
            block_reason_message=details.get("block_reason_message"),
            text=details.get("text"),
            response=GenerateResponse._from_native(response) if response is not None else None,
            **common,
        )
    return cls(text, **common)


def _invalid(field: str, message: str) -> InvalidRequestError:
    """An invalid-request error raised by the Python layer itself."""
    return InvalidRequestError(
        f"invalid request: {field}: {message}", field=field, remedy="fix_field"
    )
