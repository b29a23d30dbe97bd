"""Type stubs for the native module (pyo3). Use the typed wrappers in ``gemini_image``;
this layer passes plain tuples and JSON text."""

from typing import (
    Any,
    Callable,
    Final,
    Iterable,
    Iterator,
    List,
    Optional,
    Sequence,
    Tuple,
    Union,
    final,
)


__all__ = [
    "__version__",
    "DEFAULT_MODEL",
    "GATEWAY_BASE_URL",
    "GOOGLE_BASE_URL",
    "DEFAULT_TIMEOUT",
    "ERROR_KINDS",
    "CancelToken",
    "NativeClient",
    "NativeStream",
    "NativeChat",
    "NativeEmulator",
    "StreamDecoder",
    "SansIoChat",
    "build_request",
    "parse_response",
    "retry_delay",
    "save_image",
    "run_cli",
    "copied_image_count",
]

__version__: Final[str]
DEFAULT_MODEL: Final[str]
GATEWAY_BASE_URL: Final[str]
GOOGLE_BASE_URL: Final[str]
DEFAULT_TIMEOUT: Final[float]
ERROR_KINDS: Final[List[Tuple[str, str]]]

# (data, mime_type, width, height)
_Image = Tuple[bytes, str, Optional[int], Optional[int]]
# (images, thought_images, meta_json)
_Response = Tuple[List[_Image], List[_Image], str]
# a path, or (bytes, declared MIME type or None to sniff)
_ImageIn = Union[str, Tuple[bytes, Optional[str]]]
_Event = Tuple[str, Any]
_Http = Tuple[str, str, List[Tuple[str, str]], bytes]
_BatchItem = Tuple[Optional[str], Sequence[_ImageIn], Optional[str], Optional[str]]

@final
class CancelToken:
    def __new__(cls) -> "CancelToken": ...
    def cancel(self) -> None: ...
    @property
    def cancelled(self) -> bool: ...

@final
class NativeStream:
    def __iter__(self) -> Iterator[_Event]: ...
    def __next__(self) -> _Event: ...
    def cancel(self) -> None: ...
    def close(self) -> None: ...

@final
class NativeChat:
    def send(
        self,
        prompt: Optional[str],
        images: Optional[Sequence[_ImageIn]] = None,
        options: Optional[str] = None,
        cancel: Optional[CancelToken] = None,
    ) -> _Response: ...
    def history_json(self) -> str: ...
    def __len__(self) -> int: ...
    @property
    def model(self) -> str: ...
    def to_json(self) -> str: ...

@final
class NativeClient:
    def __new__(
        cls,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        model: Optional[str] = None,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        *,
        max_inline_bytes: Optional[int] = None,
        max_response_bytes: Optional[int] = None,
        allow_insecure_http: bool = False,
        test_hooks: bool = False,
    ) -> "NativeClient": ...
    @property
    def model(self) -> str: ...
    @property
    def base_url(self) -> str: ...
    @property
    def timeout(self) -> float: ...
    @property
    def max_retries(self) -> int: ...
    def take_sleeps(self) -> List[float]: ...
    def generate(
        self,
        prompt: Optional[str],
        images: Optional[Sequence[_ImageIn]] = None,
        options: Optional[str] = None,
        model: Optional[str] = None,
        require_image: bool = True,
        cancel: Optional[CancelToken] = None,
    ) -> _Response: ...
    def stream(
        self,
        prompt: Optional[str],
        images: Optional[Sequence[_ImageIn]] = None,
        options: Optional[str] = None,
        model: Optional[str] = None,
        cancel: Optional[CancelToken] = None,
    ) -> NativeStream: ...
    def chat(
        self,
        model: Optional[str] = None,
        options: Optional[str] = None,
        keep_last_images: Optional[int] = None,
    ) -> NativeChat: ...
    def restore_chat(self, json: str) -> NativeChat: ...
    def batch(
        self,
        requests: Iterable[_BatchItem],
        concurrency: int = 4,
        on_result: Optional[Callable[[int, Any], Any]] = None,
        cancel: Optional[CancelToken] = None,
    ) -> List[Any]: ...

@final
class NativeEmulator:
    def __new__(
        cls,
        *,
        port: int = 0,
        api_key: Optional[str] = None,
        latency: float = 0.0,
        faults: bool = True,
        cache_bytes: Optional[int] = None,
    ) -> "NativeEmulator": ...
    @property
    def base_url(self) -> str: ...
    @property
    def gateway_url(self) -> str: ...
    @property
    def request_count(self) -> int: ...
    def prompt_count(self, prompt: str) -> int: ...
    @property
    def running(self) -> bool: ...
    def shutdown(self) -> None: ...

@final
class StreamDecoder:
    def __new__(cls) -> "StreamDecoder": ...
    def feed(self, data: bytes) -> List[_Event]: ...
    def finish(self) -> Tuple[List[_Event], _Response]: ...
    def result(self) -> _Response: ...

@final
class SansIoChat:
    def __new__(
        cls,
        model: str,
        options: Optional[str] = None,
        *,
        api_key: str,
        base_url: Optional[str] = None,
        keep_last_images: Optional[int] = None,
        max_inline_bytes: Optional[int] = None,
    ) -> "SansIoChat": ...
    def request(
        self,
        prompt: Optional[str],
        images: Optional[Sequence[_ImageIn]] = None,
        stream: bool = False,
    ) -> _Http: ...
    def response(self, status: int, headers: List[Tuple[str, str]], body: bytes) -> _Response: ...
    def abort(self) -> None: ...
    def history_json(self) -> str: ...

def build_request(
    prompt: Optional[str],
    images: Optional[Sequence[_ImageIn]] = None,
    options: Optional[str] = None,
    model: Optional[str] = None,
    *,
    api_key: str,
    base_url: Optional[str] = None,
    stream: bool = False,
    max_inline_bytes: Optional[int] = None,
) -> _Http: ...
def parse_response(
    status: int, headers: List[Tuple[str, str]], body: bytes, require_image: bool = True
) -> _Response: ...
def retry_delay(
    attempt: int,
    status: int,
    headers: List[Tuple[str, str]],
    body: bytes,
    *,
    jitter: float = 0.0,
    max_retries: Optional[int] = None,
) -> Optional[float]: ...
def save_image(
    data: bytes, mime_type: str, path: str, overwrite: bool = False
) -> Tuple[str, bool, List[str]]: ...
def run_cli(argv: List[str]) -> int: ...
def copied_image_count() -> int: ...
