"""The blocking client: Client, ImageStream, Chat."""

from __future__ import annotations

import json
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from . import _native
from ._inputs import ImageInput, images_in, options_json, prompt_in
from ._types import GenerateResponse, StreamEvent
from .errors import CancelledError, GeminiImageError, _invalid

__all__ = ["Client", "ImageStream", "Chat", "BatchRequest", "BatchResult", "CancelToken"]

#: Cancels calls given ``cancel=token`` (from another thread, a signal handler...): the call
#: stops before its next attempt, during a retry wait, or a stream between two reads, and
#: raises :class:`gemini_image.CancelledError`.
CancelToken = _native.CancelToken

#: A batch item: a prompt, or a mapping with ``prompt`` and any ``generate`` keyword.
BatchRequest = Union[str, Mapping[str, Any]]
#: A batch result: the response, or the error that item ended with.
BatchResult = Union[GenerateResponse, GeminiImageError]


def _options(
    aspect_ratio: Optional[str],
    image_size: Optional[str],
    options: Mapping[str, Any],
) -> Optional[str]:
    merged: Dict[str, Any] = dict(options)
    merged["aspect_ratio"] = aspect_ratio
    merged["image_size"] = image_size
    return options_json(merged)


class ImageStream:
    """An iterator of :class:`StreamEvent` (thought text, thought images, text, the final
    image, and last ``done`` with the merged response in ``.response``). Use it in a
    ``with`` block (or call ``close()``) to drop the connection early."""

    def __init__(self, native: Any) -> None:
        self._native = native
        self.response: Optional[GenerateResponse] = None

    def __iter__(self) -> "ImageStream":
        return self

    def __next__(self) -> StreamEvent:
        raw = next(self._native)
        event = StreamEvent._from_native(raw)
        if event.type == "done":
            self.response = event.response
        return event

    def collect(self) -> GenerateResponse:
        """Reads the rest of the stream and returns the merged response."""
        for _ in self:
            pass
        if self.response is None:  # pragma: no cover - the native stream always ends with done
            raise _invalid("stream", "the stream ended without a result")
        return self.response

    def close(self) -> None:
        """Stops the stream and drops the connection."""
        self._native.close()

    def cancel(self) -> None:
        """Cancels without waiting (thread-safe): the stream raises ``CancelledError`` at
        its next read."""
        self._native.cancel()

    def __enter__(self) -> "ImageStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Chat:
    """A multi-turn image conversation. Each ``send`` sends the whole history (thought
    signatures intact); a failed turn leaves the history unchanged."""

    def __init__(self, native: Any) -> None:
        self._native = native

    def send(
        self,
        prompt: str,
        images: Optional[Union[ImageInput, Sequence[ImageInput]]] = None,
        *,
        aspect_ratio: Optional[str] = None,
        image_size: Optional[str] = None,
        cancel: Optional[CancelToken] = None,
        **options: Any,
    ) -> GenerateResponse:
        """Sends a turn; keyword options apply to this turn only."""
        raw = self._native.send(
            prompt_in(prompt),
            images_in(images),
            _options(aspect_ratio, image_size, options),
            cancel,
        )
        return GenerateResponse._from_native(raw)

    @property
    def history(self) -> List[Dict[str, Any]]:
        """The committed turns as wire JSON: ``[{"role": "user", "parts": [...]}, ...]``."""
        result: List[Dict[str, Any]] = json.loads(self._native.history_json())
        return result

    @property
    def model(self) -> str:
        model: str = self._native.model
        return model

    def to_json(self) -> str:
        """The whole conversation as a JSON document, for ``Client.restore_chat``."""
        text: str = self._native.to_json()
        return text

    def __len__(self) -> int:
        return len(self._native)

    def __repr__(self) -> str:
        return f"Chat(model={self.model!r}, turns={len(self)})"


class Client:
    """A Gemini image client (thread-safe; one instance can serve every thread).

    Unset arguments come from the environment, as in the Rust client: the key from
    ``THUCCHIEN_API_KEY`` (else ``GEMINI_API_KEY``), the base URL from
    ``GEMINI_IMAGE_BASE_URL`` (default the AI Thực Chiến gateway), the model from
    ``GEMINI_IMAGE_MODEL`` (default ``gemini-3.1-flash-image``). ``timeout`` is the time
    limit of one attempt in seconds (default 180); ``max_retries`` the retries after the
    first attempt (default 2). ``max_inline_bytes`` caps the images (and other inline
    data) a request may carry, checked before sending (default 100 MB);
    ``max_response_bytes`` caps a response body (default 256 MiB; more is a
    :class:`ResponseTooLargeError`). A plain ``http://`` base URL to a host other than this
    machine is refused (the key would cross the network unencrypted) unless
    ``allow_insecure_http=True`` (or ``GEMINI_IMAGE_ALLOW_INSECURE_HTTP=1``). Every call
    releases the GIL while it waits.
    """

    def __init__(
        self,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        model: Optional[str] = None,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        *,
        max_inline_bytes: Optional[int] = None,
        max_response_bytes: Optional[int] = None,
        allow_insecure_http: bool = False,
        _test_hooks: bool = False,
    ) -> None:
        limits = (("max_inline_bytes", max_inline_bytes), ("max_response_bytes", max_response_bytes))
        for name, limit in limits:
            if limit is not None and (
                not isinstance(limit, int) or isinstance(limit, bool) or limit < 0
            ):
                raise _invalid(name, f"must be an int >= 0 (bytes), got {limit!r}")
        if timeout is not None and not isinstance(timeout, (int, float)):
            raise _invalid("timeout", f"must be a number of seconds, got {type(timeout).__name__}")
        if max_retries is not None and (not isinstance(max_retries, int) or max_retries < 0):
            raise _invalid("max_retries", f"must be an int >= 0, got {max_retries!r}")
        self._native = _native.NativeClient(
            api_key,
            base_url,
            model,
            None if timeout is None else float(timeout),
            max_retries,
            max_inline_bytes=max_inline_bytes,
            max_response_bytes=max_response_bytes,
            allow_insecure_http=bool(allow_insecure_http),
            test_hooks=_test_hooks,
        )

    @property
    def model(self) -> str:
        """The default model."""
        model: str = self._native.model
        return model

    @property
    def base_url(self) -> str:
        base_url: str = self._native.base_url
        return base_url

    @property
    def timeout(self) -> float:
        timeout: float = self._native.timeout
        return timeout

    @property
    def max_retries(self) -> int:
        retries: int = self._native.max_retries
        return retries

    def generate(
        self,
        prompt: str,
        *,
        images: Optional[Union[ImageInput, Sequence[ImageInput]]] = None,
        aspect_ratio: Optional[str] = None,
        image_size: Optional[str] = None,
        model: Optional[str] = None,
        cancel: Optional[CancelToken] = None,
        **options: Any,
    ) -> GenerateResponse:
        """Generates an image from a prompt (and optional input images).

        Options: ``response_modalities``, ``system_instruction``, ``safety_settings``
        (list of ``{"category", "threshold"}``), ``temperature``, ``top_p``, ``top_k``,
        ``seed``, ``max_output_tokens``, ``stop_sequences``, ``candidate_count``,
        ``thinking`` (``{"include_thoughts", "thinking_budget", "thinking_level"}``) and
        ``extra`` (raw JSON merged into the request). Raises :class:`NoImageError` when the
        answer has no image. ``cancel``: a :class:`CancelToken` that stops the call.
        """
        raw = self._native.generate(
            prompt_in(prompt),
            images_in(images),
            _options(aspect_ratio, image_size, options),
            model,
            cancel=cancel,
        )
        return GenerateResponse._from_native(raw)

    def edit(
        self,
        image_or_images: Union[ImageInput, Sequence[ImageInput]],
        prompt: str,
        *,
        aspect_ratio: Optional[str] = None,
        image_size: Optional[str] = None,
        model: Optional[str] = None,
        cancel: Optional[CancelToken] = None,
        **options: Any,
    ) -> GenerateResponse:
        """Edits one or more images with an instruction (the prompt is sent first)."""
        return self.generate(
            prompt,
            images=image_or_images,
            aspect_ratio=aspect_ratio,
            image_size=image_size,
            model=model,
            cancel=cancel,
            **options,
        )

    def stream(
        self,
        prompt: str,
        *,
        images: Optional[Union[ImageInput, Sequence[ImageInput]]] = None,
        aspect_ratio: Optional[str] = None,
        image_size: Optional[str] = None,
        model: Optional[str] = None,
        cancel: Optional[CancelToken] = None,
        **options: Any,
    ) -> ImageStream:
        """Streams a generation: iterate for events; the last is ``done``."""
        native = self._native.stream(
            prompt_in(prompt),
            images_in(images),
            _options(aspect_ratio, image_size, options),
            model,
            cancel,
        )
        return ImageStream(native)

    def chat(
        self,
        model: Optional[str] = None,
        *,
        keep_last_images: Optional[int] = None,
        aspect_ratio: Optional[str] = None,
        image_size: Optional[str] = None,
        **defaults: Any,
    ) -> Chat:
        """A new conversation; the keyword options apply to every turn."""
        return Chat(
            self._native.chat(model, _options(aspect_ratio, image_size, defaults), keep_last_images)
        )

    def restore_chat(self, saved: str) -> Chat:
        """Continues a conversation saved with :meth:`Chat.to_json`."""
        return Chat(self._native.restore_chat(saved))

    def batch(
        self,
        requests: Iterable[BatchRequest],
        concurrency: int = 4,
        on_result: Optional[Callable[[int, BatchResult], Any]] = None,
        *,
        cancel: Optional[CancelToken] = None,
    ) -> List[BatchResult]:
        """Runs many generations, at most ``concurrency`` at once. Each request is a
        prompt or a mapping with ``prompt`` and any :meth:`generate` keyword. Returns one
        result per request in input order: the response, or the error of that item.
        ``on_result(index, result)`` is called on this thread as each one finishes. Once
        ``cancel`` is cancelled no new request starts; those never started are
        :class:`CancelledError` results."""
        if not isinstance(concurrency, int) or concurrency < 1:
            raise _invalid("concurrency", f"must be an int >= 1, got {concurrency!r}")
        items: List[Tuple[str, Any, Optional[str], Optional[str]]] = []
        for i, request in enumerate(requests):
            items.append(_batch_item(request, i))

        def convert(raw: Any) -> BatchResult:
            if isinstance(raw, GeminiImageError):
                return raw
            return GenerateResponse._from_native(raw)

        callback = None
        if on_result is not None:
            user_callback = on_result

            def callback(index: int, raw: Any) -> None:
                user_callback(index, convert(raw))

        raw_results = self._native.batch(items, concurrency, callback, cancel)
        return [
            convert(raw) if raw is not None else CancelledError("cancelled: never started")
            for raw in raw_results
        ]

    def __repr__(self) -> str:
        return (
            f"Client(base_url={self.base_url!r}, model={self.model!r}, "
            f"timeout={self.timeout!r}, max_retries={self.max_retries!r})"
        )


def _batch_item(request: BatchRequest, index: int) -> Tuple[str, Any, Optional[str], Optional[str]]:
    return _request_parts(request, f"requests[{index}]")


def _request_parts(
    request: BatchRequest, name: str
) -> Tuple[str, Any, Optional[str], Optional[str]]:
    """A prompt, or a mapping with ``prompt`` and any generate keyword, as the native
    call's (prompt, images, options JSON, model); errors name ``name``."""
    if isinstance(request, str):
        return (request, [], None, None)
    if not isinstance(request, Mapping):
        raise _invalid(name, "must be a prompt (str) or a mapping with a 'prompt' key")
    options = dict(request)
    prompt = options.pop("prompt", None)
    if not isinstance(prompt, str):
        raise _invalid(f"{name}.prompt", "must be a str")
    images = images_in(options.pop("images", None), f"{name}.images")
    model = options.pop("model", None)
    aspect_ratio = options.pop("aspect_ratio", None)
    image_size = options.pop("image_size", None)
    return (prompt, images, _options(aspect_ratio, image_size, options), model)
