"""Bring your own HTTP: ``build_request`` / ``parse_response`` and a stream decoder."""

from __future__ import annotations

import json
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import _native
from ._client import _options, _request_parts
from ._inputs import ImageInput, images_in, prompt_in
from ._types import GenerateResponse, HttpRequest, StreamEvent

__all__ = ["build_request", "parse_response", "StreamDecoder", "retry_delay", "SansIOChat"]

Headers = Union[Mapping[str, str], Iterable[Tuple[str, str]]]


def _headers(headers: Optional[Headers]) -> List[Tuple[str, str]]:
    if headers is None:
        return []
    items = headers.items() if isinstance(headers, Mapping) else headers
    return [(str(k), str(v)) for k, v in items]


def build_request(
    prompt_or_request: Union[str, Mapping[str, Any]],
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
    :func:`parse_response` (or, for ``stream=True``, feed it to a :class:`StreamDecoder`).

    The request is a prompt with keywords, or a mapping with ``prompt`` and the same keys a
    :meth:`Client.batch` item takes (keywords given here win over the mapping's)."""
    if isinstance(prompt_or_request, Mapping):
        merged: Dict[str, Any] = dict(prompt_or_request)
        given = {"images": images, "aspect_ratio": aspect_ratio, "image_size": image_size, "model": model}
        merged.update({key: value for key, value in given.items() if value is not None})
        merged.update(options)
        prompt, native_images, options_json, model = _request_parts(merged, "request")
    else:
        prompt = prompt_in(prompt_or_request)
        native_images = images_in(images)
        options_json = _options(aspect_ratio, image_size, options)
    method, url, headers, body = _native.build_request(
        prompt,
        native_images,
        options_json,
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
        """Ends the body: the last events, then ``done`` (its ``.response`` is the merged
        response as data, with or without an image)."""
        events, response = self._native.finish()
        out = [StreamEvent._from_native(e) for e in events]
        out.append(StreamEvent("done", response=GenerateResponse._from_native(response)))
        return out

    def result(self) -> GenerateResponse:
        """After :meth:`finish`: the merged response, or the :class:`NoImageError`
        ``Client.stream`` raises when it carries no image."""
        return GenerateResponse._from_native(self._native.result())


class SansIOChat:
    """A multi-turn conversation without a transport: :meth:`request` gives each turn's
    HTTP request (the whole history, thought signatures intact); send it yourself and pass
    the final answer to :meth:`response`. A failed turn is left out of the history."""

    def __init__(
        self,
        model: str,
        *,
        api_key: str,
        base_url: Optional[str] = None,
        keep_last_images: Optional[int] = None,
        max_inline_bytes: Optional[int] = None,
        aspect_ratio: Optional[str] = None,
        image_size: Optional[str] = None,
        **defaults: Any,
    ) -> None:
        self._native = _native.SansIoChat(
            model,
            _options(aspect_ratio, image_size, defaults),
            api_key=api_key,
            base_url=base_url,
            keep_last_images=keep_last_images,
            max_inline_bytes=max_inline_bytes,
        )

    def request(
        self,
        prompt: str,
        images: Optional[Union[ImageInput, Sequence[ImageInput]]] = None,
    ) -> HttpRequest:
        method, url, headers, body = self._native.request(prompt_in(prompt), images_in(images))
        return HttpRequest(method, url, dict(headers), body)

    def response(self, status: int, headers: Optional[Headers], body: bytes) -> GenerateResponse:
        raw = self._native.response(status, _headers(headers), bytes(body))
        return GenerateResponse._from_native(raw)

    def abort(self) -> None:
        """Drops the turn in progress (e.g. your transport failed)."""
        self._native.abort()

    @property
    def history(self) -> List[Dict[str, Any]]:
        result: List[Dict[str, Any]] = json.loads(self._native.history_json())
        return result
