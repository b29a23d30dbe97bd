"""Bring your own HTTP: ``build_request`` / ``parse_response`` and a stream decoder."""

from __future__ import annotations

from typing import Any, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import _native
from ._client import _options
from ._inputs import ImageInput, images_in, prompt_in
from ._types import GenerateResponse, HttpRequest, StreamEvent

__all__ = ["build_request", "parse_response", "StreamDecoder", "retry_delay"]

Headers = Union[Mapping[str, str], Iterable[Tuple[str, str]]]


def _headers(headers: Optional[Headers]) -> List[Tuple[str, str]]:
    if headers is None:
        return []
    items = headers.items() if isinstance(headers, Mapping) else headers
    return [(str(k), str(v)) for k, v in items]


def build_request(
    prompt: str,
    *,
    api_key: str,
    base_url: Optional[str] = None,
    stream: bool = False,
    images: Optional[Union[ImageInput, Sequence[ImageInput]]] = None,
    aspect_ratio: Optional[str] = None,
    image_size: Optional[str] = None,
    model: Optional[str] = None,
    max_inline_bytes: Optional[int] = None,
    **options: Any,
) -> HttpRequest:
    """The HTTP request for a generation, validated exactly as a client call is: send
    ``method``/``url``/``headers``/``body`` with any HTTP library, then pass the answer to
    :func:`parse_response` (or, for ``stream=True``, feed it to a :class:`StreamDecoder`)."""
    method, url, headers, body = _native.build_request(
        prompt_in(prompt),
        images_in(images),
        _options(aspect_ratio, image_size, options),
        model,
        api_key=api_key,
        base_url=base_url,
        stream=stream,
        max_inline_bytes=max_inline_bytes,
    )
    return HttpRequest(method, url, dict(headers), body)


def parse_response(
    status: int, headers: Optional[Headers], body: bytes, *, require_image: bool = True
) -> GenerateResponse:
    """Parses an HTTP response into the same result ``Client.generate`` returns, or raises
    the same error. With ``require_image=False`` a 200 without an image is returned as data
    instead of raising :class:`NoImageError`."""
    raw = _native.parse_response(status, _headers(headers), bytes(body), require_image)
    return GenerateResponse._from_native(raw)


def retry_delay(
    attempt: int,
    status: int,
    headers: Optional[Headers],
    body: bytes,
    *,
    jitter: float = 0.0,
    max_retries: Optional[int] = None,
) -> Optional[float]:
    """The client's retry decision, as a pure function: after attempt number ``attempt``
    (1-based) got this response, how many seconds to wait before trying again, or None to
    stop (success, an error not worth retrying, or no attempts left). ``jitter`` in 0..1."""
    delay: Optional[float] = _native.retry_delay(
        attempt, status, _headers(headers), bytes(body), jitter=jitter, max_retries=max_retries
    )
    return delay


class StreamDecoder:
    """Decodes a ``streamGenerateContent?alt=sse`` body incrementally: ``feed`` bytes as
    they arrive and get events; ``finish()`` returns the last events, ending with ``done``
    (whose ``.response`` is the merged result). An error inside the stream raises."""

    def __init__(self) -> None:
        self._native = _native.StreamDecoder()

    def feed(self, data: bytes) -> List[StreamEvent]:
        return [StreamEvent._from_native(e) for e in self._native.feed(bytes(data))]

    def finish(self) -> List[StreamEvent]:
        events, response = self._native.finish()
        out = [StreamEvent._from_native(e) for e in events]
        out.append(StreamEvent("done", response=GenerateResponse._from_native(response)))
        return out
