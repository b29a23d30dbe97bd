"""Hardening from Python: the fault matrix against raw loopback servers, the limits and
the refusals of the client, and the key in none of the outputs (loopback only)."""

import socket
import threading
import time
import traceback
from typing import Callable, Iterator, List, Tuple, Type

import pytest

import gemini_image
from gemini_image import Client
from gemini_image.testing import Emulator

KEY = "sk-PY-FAULT-MATRIX-0123456789"
# Far above the client's 1 s timeout: only a hang gets here (a hang guard, not a speed test).
HANG_GUARD = 20.0
PNG_B64 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGM4IScHAAK2AQU0pnWqAAAAAElFTkSuQmCC"
)
GOOD_JSON = (
    '{"candidates":[{"content":{"parts":[{"inlineData":{"mimeType":"image/png","data":"'
    + PNG_B64
    + '"}}]},"finishReason":"STOP"}]}'
).encode()


def _head(length: int, content_type: str = "application/json", status: str = "200 OK") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {length}\r\n\r\n"
    ).encode()


def _read_request(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return
        body += chunk


def _stall(conn: socket.socket) -> None:
    time.sleep(30)


SSE_ERROR = (
    b'data: {"candidates":[{"content":{"parts":[{"text":"drawing","thought":true}]}}]}\r\n\r\n'
    b'data: {"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}'
    b"\r\n\r\n"
)
HUGE_HTML = b"<html><body><h1>Bad Gateway</h1>" + b" " * (20 * 1024 * 1024) + b"</body></html>"

Script = Callable[[socket.socket], None]
SCRIPTS: List[Tuple[str, Script]] = [
    ("close_mid_headers", lambda c: c.sendall(b"HTTP/1.1 200 OK\r\ncontent-ty")),
    ("close_mid_body", lambda c: c.sendall(_head(1000) + GOOD_JSON[:100])),
    ("body_longer_than_length", lambda c: c.sendall(_head(len(GOOD_JSON) // 2) + GOOD_JSON)),
    ("body_shorter_than_length", lambda c: c.sendall(_head(100_000) + GOOD_JSON)),
    ("stall_after_headers", lambda c: (c.sendall(_head(5000)), _stall(c))[0]),
    ("stall_before_headers", _stall),
    ("sse_error_object", lambda c: c.sendall(_head(len(SSE_ERROR), "text/event-stream") + SSE_ERROR)),
    ("html_502_20mb", lambda c: c.sendall(_head(len(HUGE_HTML), "text/html", "502 Bad Gateway") + HUGE_HTML)),
]

# (script, stream?, exception class, retryable)
MATRIX: List[Tuple[str, bool, Type[gemini_image.GeminiImageError], bool]] = [
    ("close_mid_headers", False, gemini_image.NetworkError, True),
    ("close_mid_headers", True, gemini_image.NetworkError, True),
    ("close_mid_body", False, gemini_image.NetworkError, True),
    ("body_longer_than_length", False, gemini_image.DecodeError, False),
    ("body_shorter_than_length", False, gemini_image.NetworkError, True),
    ("stall_after_headers", False, gemini_image.TimeoutError, True),
    ("stall_after_headers", True, gemini_image.TimeoutError, True),
    ("stall_before_headers", False, gemini_image.TimeoutError, True),
    ("stall_before_headers", True, gemini_image.TimeoutError, True),
    ("sse_error_object", True, gemini_image.ServerError, True),
    ("html_502_20mb", False, gemini_image.ServerError, True),
]


class RawServer:
    """A loopback server answering every connection with one script, each on its thread."""

    def __init__(self, script: Script) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = "http://127.0.0.1:%d" % self._listener.getsockname()[1]
        self._script = script
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            _read_request(conn)
            self._script(conn)
        except OSError:
            pass  # the client hung up first: expected for the big pages
        finally:
            conn.close()

    def close(self) -> None:
        self._listener.close()


@pytest.fixture(scope="module")
def servers() -> Iterator[dict]:
    started = {name: RawServer(script) for name, script in SCRIPTS}
    yield started
    for server in started.values():
        server.close()


def _shown(err: BaseException) -> str:
    return " | ".join(
        [str(err), repr(err), "".join(traceback.format_exception(type(err), err, err.__traceback__))]
    )


@pytest.mark.parametrize("script,stream,cls,retryable", MATRIX)
def test_fault_matrix(servers: dict, script: str, stream: bool, cls: type, retryable: bool) -> None:
    client = Client(api_key=KEY, base_url=servers[script].url, timeout=1.0, max_retries=0)
    started = time.monotonic()
    with pytest.raises(gemini_image.GeminiImageError) as info:
        if stream:
            list(client.stream("a cabin", model="gemini-3-pro-image-preview"))
        else:
            client.generate("a cabin", model="gemini-3-pro-image-preview")
    elapsed = time.monotonic() - started
    err = info.value
    assert isinstance(err, cls), f"{script}: {type(err).__name__}: {err}"
    assert err.retryable is retryable, f"{script}: {err}"
    assert elapsed < HANG_GUARD, f"{script} took {elapsed:.1f} s"
    assert KEY not in _shown(err)
    assert KEY not in repr(client)


def test_unsafe_settings_are_refused_with_the_field() -> None:
    with pytest.raises(gemini_image.InvalidRequestError) as plain:
        Client(api_key=KEY, base_url="http://api.example.com/gemini")
    assert plain.value.field == "base_url" and "allow_insecure_http" in str(plain.value)
    Client(api_key=KEY, base_url="http://api.example.com/gemini", allow_insecure_http=True)
    with pytest.raises(gemini_image.InvalidRequestError) as creds:
        Client(api_key=KEY, base_url="https://bob:s3cr3t@api.example.com/gemini")
    # (not the traceback: it quotes this test's own source line)
    assert creds.value.field == "base_url"
    assert "s3cr3t" not in str(creds.value) + repr(creds.value)
    with pytest.raises(gemini_image.InvalidRequestError) as zero:
        Client(api_key=KEY, base_url="http://127.0.0.1:9", timeout=0)
    assert zero.value.field == "timeout"
    for name in ("max_response_bytes", "max_inline_bytes"):
        with pytest.raises(gemini_image.InvalidRequestError) as bad:
            Client(api_key=KEY, base_url="http://127.0.0.1:9", **{name: -1})
        assert bad.value.field == name


def test_response_and_input_caps(emulator: Emulator) -> None:
    small = emulator.client(max_response_bytes=100_000, max_retries=0)
    with pytest.raises(gemini_image.ResponseTooLargeError) as big:
        small.generate("a big picture [[bytes:1m]]", model="gemini-2.5-flash-image")
    assert "100000" in str(big.value)
    tight = emulator.client(max_inline_bytes=1000)
    image = b"\x89PNG\r\n\x1a\n" + b"\0" * 5000
    served = emulator.request_count
    with pytest.raises(gemini_image.InvalidRequestError) as cap:
        tight.edit(image, "make it red", model="gemini-2.5-flash-image")
    assert cap.value.field == "images" and "1000" in str(cap.value)
    assert emulator.request_count == served  # refused before sending
