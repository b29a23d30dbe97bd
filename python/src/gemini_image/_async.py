"""AsyncClient: the same API as coroutines, never blocking the event loop.

Each blocking native call runs on a worker thread (the GIL is released while it waits), so
the loop keeps ticking with any number of calls in flight. Cancelling the awaiting task
cancels the call's token: the call stops before its next attempt, during a retry wait, or
(streams) between two reads, and its thread goes back to the pool.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import (
    Any,
    Awaitable,
    Callable,
    Iterable,
    List,
    Optional,
    Sequence,
    TypeVar,
    Union,
)

from ._client import (
    BatchRequest,
    BatchResult,
    CancelToken,
    Chat,
    Client,
    ImageStream,
    _batch_item,
)
from ._inputs import ImageInput
from ._types import GenerateResponse, StreamEvent
from .errors import GeminiImageError, _invalid

__all__ = ["AsyncClient", "AsyncChat", "AsyncImageStream"]

T = TypeVar("T")

_executor: Optional[ThreadPoolExecutor] = None
_executor_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=64, thread_name_prefix="gemini-image")
        return _executor


async def _run(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    loop = asyncio.get_running_loop()
    context = contextvars.copy_context()
    call = functools.partial(context.run, func, *args, **kwargs)
    return await loop.run_in_executor(_pool(), call)


async def _run_cancellable(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Runs a blocking call with a cancel token: when the awaiting task is cancelled, the
    token stops the call (before its next attempt or during a retry wait), so its worker
    thread is freed instead of finishing work nobody waits for."""
    token = kwargs.get("cancel")
    if token is None:
        token = kwargs["cancel"] = CancelToken()
    try:
        return await _run(func, *args, **kwargs)
    except asyncio.CancelledError:
        token.cancel()
        raise


class AsyncImageStream:
    """An async iterator of :class:`StreamEvent`; ``async with`` closes it early."""

    def __init__(self, start: Callable[..., ImageStream]) -> None:
        self._start = start
        self._stream: Optional[ImageStream] = None
        self.response: Optional[GenerateResponse] = None

    def __aiter__(self) -> "AsyncImageStream":
        return self

    async def __anext__(self) -> StreamEvent:
        if self._stream is None:
            self._stream = await _run_cancellable(self._start)
        stream = self._stream

        def step() -> Optional[StreamEvent]:
            return next(stream, None)

        try:
            event = await _run(step)
        except asyncio.CancelledError:
            stream.cancel()
            raise
        if event is None:
            raise StopAsyncIteration
        if event.type == "done":
            self.response = event.response
        return event

    async def collect(self) -> GenerateResponse:
        async for _ in self:
            pass
        if self.response is None:  # pragma: no cover
            raise _invalid("stream", "the stream ended without a result")
        return self.response

    async def aclose(self) -> None:
        if self._stream is not None:
            await _run(self._stream.close)

    async def __aenter__(self) -> "AsyncImageStream":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class AsyncChat:
    """The async twin of :class:`Chat` (turns are sent one at a time)."""

    def __init__(self, chat: Chat) -> None:
        self._chat = chat
        self._lock = asyncio.Lock()

    async def send(
        self,
        prompt: str,
        images: Optional[Union[ImageInput, Sequence[ImageInput]]] = None,
        **options: Any,
    ) -> GenerateResponse:
        async with self._lock:
            return await _run_cancellable(self._chat.send, prompt, images, **options)

    @property
    def history(self) -> List[Any]:
        return self._chat.history

    @property
    def model(self) -> str:
        return self._chat.model

    def to_json(self) -> str:
        return self._chat.to_json()

    def __len__(self) -> int:
        return len(self._chat)

    def __repr__(self) -> str:
        return f"AsyncChat(model={self.model!r}, turns={len(self)})"


class AsyncClient:
    """:class:`Client` for asyncio: the same constructor and methods, as coroutines."""

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
        self._client = Client(
            api_key,
            base_url,
            model,
            timeout,
            max_retries,
            max_inline_bytes=max_inline_bytes,
            max_response_bytes=max_response_bytes,
            allow_insecure_http=allow_insecure_http,
            _test_hooks=_test_hooks,
        )

    @property
    def sync(self) -> Client:
        """The blocking client underneath (same configuration and connections)."""
        return self._client

    @property
    def model(self) -> str:
        return self._client.model

    @property
    def base_url(self) -> str:
        return self._client.base_url

    @property
    def timeout(self) -> float:
        return self._client.timeout

    @property
    def max_retries(self) -> int:
        return self._client.max_retries

    async def generate(self, prompt: str, **kwargs: Any) -> GenerateResponse:
        """See :meth:`Client.generate`."""
        return await _run_cancellable(self._client.generate, prompt, **kwargs)

    async def edit(
        self,
        image_or_images: Union[ImageInput, Sequence[ImageInput]],
        prompt: str,
        **kwargs: Any,
    ) -> GenerateResponse:
        """See :meth:`Client.edit`."""
        return await _run_cancellable(self._client.edit, image_or_images, prompt, **kwargs)

    def stream(self, prompt: str, **kwargs: Any) -> AsyncImageStream:
        """See :meth:`Client.stream`; use ``async for event in client.stream(...)``."""

        def start(cancel: Optional[CancelToken] = None) -> ImageStream:
            if cancel is not None and "cancel" not in kwargs:
                kwargs["cancel"] = cancel
            return self._client.stream(prompt, **kwargs)

        return AsyncImageStream(start)

    def chat(self, model: Optional[str] = None, **defaults: Any) -> AsyncChat:
        """See :meth:`Client.chat`."""
        return AsyncChat(self._client.chat(model, **defaults))

    def restore_chat(self, saved: str) -> AsyncChat:
        return AsyncChat(self._client.restore_chat(saved))

    async def batch(
        self,
        requests: Iterable[BatchRequest],
        concurrency: int = 4,
        on_result: Optional[Callable[[int, BatchResult], Union[Any, Awaitable[Any]]]] = None,
    ) -> List[BatchResult]:
        """See :meth:`Client.batch`; ``on_result`` may be a coroutine function."""
        if not isinstance(concurrency, int) or concurrency < 1:
            raise _invalid("concurrency", f"must be an int >= 1, got {concurrency!r}")
        items = list(requests)
        for i, request in enumerate(items):
            _batch_item(request, i)  # validate every item before sending any
        semaphore = asyncio.Semaphore(concurrency)
        results: List[Optional[BatchResult]] = [None] * len(items)

        async def one(index: int, request: BatchRequest) -> None:
            async with semaphore:
                result: BatchResult
                try:
                    if isinstance(request, str):
                        result = await self.generate(request)
                    else:
                        options = dict(request)
                        prompt = options.pop("prompt")
                        result = await self.generate(prompt, **options)
                except GeminiImageError as err:
                    result = err
            results[index] = result
            if on_result is not None:
                outcome = on_result(index, result)
                if asyncio.iscoroutine(outcome):
                    await outcome

        await asyncio.gather(*(one(i, r) for i, r in enumerate(items)))
        return [r for r in results if r is not None]

    def __repr__(self) -> str:
        return (
            f"AsyncClient(base_url={self.base_url!r}, model={self.model!r}, "
            f"timeout={self.timeout!r}, max_retries={self.max_retries!r})"
        )

