"""Shared-test-vector support: loading cases, rendering canned responses, a stdlib loopback
server, and the comparisons (mirrors tests/conformance in Rust; see
tests/fixtures/README.md for the schema)."""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

import gemini_image
from gemini_image import GenerateResponse, Image

CASES_DIR = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "cases"
GATEWAY = "https://api.thucchien.ai/gemini"
NOT_OPTIONS = {"api_key", "base_url", "model", "prompt", "images", "max_inline_bytes"}


def load_cases() -> List[Dict[str, Any]]:
    cases = []
    for path in sorted(CASES_DIR.rglob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        expected_id = path.relative_to(CASES_DIR).with_suffix("").as_posix()
        assert case["id"] == expected_id, f"{path}: id {case['id']!r} != {expected_id!r}"
        cases.append(case)
    return cases


# ----------------------------------------------------------------------------------------
# canned responses


@dataclass
class Canned:
    status: int
    headers: List[Tuple[str, str]]
    body: bytes
    is_sse: bool = False


def render(response: Dict[str, Any]) -> Canned:
    headers = [(k, str(v)) for k, v in (response.get("headers") or {}).items()]
    if "json" in response:
        body = json.dumps(response["json"], separators=(",", ":"), ensure_ascii=False).encode()
        return Canned(response["status"], headers, body)
    if "sse" in response:
        eol = response.get("sse_eol", "\r\n")
        out = []
        for item in response["sse"]:
            if isinstance(item, str):
                out.append(item + eol + eol)
            else:
                out.append("data: " + json.dumps(item, separators=(",", ":"), ensure_ascii=False))
                out.append(eol + eol)
        if not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("content-type", "text/event-stream"))
        return Canned(response["status"], headers, "".join(out).encode(), is_sse=True)
    return Canned(response["status"], headers, response.get("body_text", "").encode())


# ----------------------------------------------------------------------------------------
# the loopback server


@dataclass
class Recorded:
    method: str
    target: str
    headers: List[Tuple[str, str]]
    body: bytes


@dataclass
class _State:
    queue: List[Canned] = field(default_factory=list)
    requests: List[Recorded] = field(default_factory=list)
    overflow: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Loopback:
    """Serves canned responses in order (one per request) on 127.0.0.1 and records what
    it received; answers 599 once the list is used up (counted as overflow)."""

    def __init__(self, responses: Optional[List[Canned]] = None) -> None:
        state = self.state = _State(queue=list(responses or []))

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                with state.lock:
                    state.requests.append(
                        Recorded(self.command, self.path, list(self.headers.items()), body)
                    )
                    canned = state.queue.pop(0) if state.queue else None
                    if canned is None:
                        state.overflow += 1
                if canned is None:
                    canned = Canned(599, [], b"no canned response left")
                self.send_response(canned.status)
                for name, value in canned.headers:
                    if name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("content-length", str(len(canned.body)))
                self.end_headers()
                self.wfile.write(canned.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def push(self, responses: List[Canned]) -> None:
        with self.state.lock:
            self.state.queue.extend(responses)

    def take_requests(self) -> List[Recorded]:
        with self.state.lock:
            taken, self.state.requests = self.state.requests, []
            return taken

    @property
    def unserved(self) -> int:
        with self.state.lock:
            return len(self.state.queue)

    @property
    def overflow(self) -> int:
        with self.state.lock:
            return self.state.overflow

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def loopback_base(case_base: Optional[str], loopback: str) -> str:
    """The case's base URL with its host replaced by the loopback server's."""
    base = case_base or GATEWAY
    for scheme in ("https://", "http://"):
        if base.startswith(scheme):
            rest = base[len(scheme):]
            slash = rest.find("/")
            return loopback + (rest[slash:] if slash >= 0 else "")
    return base  # not http(s): passed through for the client to refuse


# ----------------------------------------------------------------------------------------
# inputs


def call_args(input: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
    """(prompt, keyword arguments) for generate/stream/build_request from a case input."""
    kwargs: Dict[str, Any] = {k: v for k, v in input.items() if k not in NOT_OPTIONS}
    images = [
        Image(base64.b64decode(i.get("data_b64", "")), i.get("mime_type", ""))
        for i in input.get("images") or []
    ]
    if images:
        kwargs["images"] = images
    if "model" in input:
        kwargs["model"] = input["model"]
    return input.get("prompt", ""), kwargs


# ----------------------------------------------------------------------------------------
# comparisons


def check_request(expected: Dict[str, Any], got: Recorded, *, exact_url: bool) -> List[str]:
    problems = []
    if got.method != expected.get("method", "POST"):
        problems.append(f"method {got.method} != {expected.get('method')}")
    want_url = expected["url"]
    if exact_url:
        if got.target != want_url:
            problems.append(f"url {got.target!r} != {want_url!r}")
    else:
        parts = urlsplit(want_url)
        want = parts.path + (f"?{parts.query}" if parts.query else "")
        if got.target != want:
            problems.append(f"path {got.target!r} != {want!r}")
    headers = {k.lower(): v for k, v in got.headers}
    for name, value in (expected.get("headers") or {}).items():
        if headers.get(name.lower()) != value:
            problems.append(f"header {name}: {headers.get(name.lower())!r} != {value!r}")
    for name in expected.get("absent_headers") or []:
        if name.lower() in headers:
            problems.append(f"header {name} should be absent")
    if "json" in expected:
        try:
            body = json.loads(got.body)
        except ValueError as err:
            problems.append(f"body is not JSON: {err}")
        else:
            if body != expected["json"]:
                problems.append(
                    f"body differs:\n  got  {json.dumps(body, sort_keys=True)[:2000]}\n"
                    f"  want {json.dumps(expected['json'], sort_keys=True)[:2000]}"
                )
    return problems


def _images(images: List[Image]) -> List[Dict[str, str]]:
    return [
        {"mime_type": i.mime_type, "data_b64": base64.b64encode(i.data).decode()} for i in images
    ]


def _usage(response: GenerateResponse) -> Dict[str, Any]:
    if response.usage is None:
        return {}
    out: Dict[str, Any] = {}
    for name, value in response.usage._asdict().items():
        if isinstance(value, tuple):
            out[name] = [{"modality": d.modality, "token_count": d.token_count} for d in value]
        else:
            out[name] = value
    return out


def check_expect(
    expect: Optional[Dict[str, Any]],
    response: Optional[GenerateResponse],
    attempts: int,
    events: Optional[List[str]],
) -> List[str]:
    if not expect:
        return []
    problems = []
    if "attempts" in expect and attempts != expect["attempts"]:
        problems.append(f"attempts {attempts} != {expect['attempts']}")
    if "events" in expect and events != expect["events"]:
        problems.append(f"events {events} != {expect['events']}")
    data_keys = set(expect) - {"attempts", "events"}
    if not data_keys:
        return problems
    if response is None:
        return problems + [f"no response to check {sorted(data_keys)} against"]
    got: Dict[str, Any] = {
        "images": _images(response.images),
        "thought_images": _images(response.thought_images),
        "text": response.text,
        "thought_text": response.thoughts,
        "finish_reason": response.finish_reason,
        "finish_message": response.finish_message,
        "block_reason": response.block_reason,
        "model_version": response.model_version,
        "response_id": response.response_id,
        "thought_signatures": response.thought_signatures,
        "safety_ratings": [
            {"category": r.category, "probability": r.probability} for r in response.safety_ratings
        ],
    }
    for key in sorted(data_keys):
        if key == "usage":
            usage = _usage(response)
            for name, value in expect["usage"].items():
                if usage.get(name) != value:
                    problems.append(f"usage.{name}: {usage.get(name)!r} != {value!r}")
        elif key not in got:
            problems.append(f"unknown expect field {key!r}")
        elif got[key] != expect[key]:
            problems.append(f"{key}: {str(got[key])[:300]} != {str(expect[key])[:300]}")
    return problems


def check_error(
    expect_error: Optional[Dict[str, Any]], error: Optional[BaseException], attempts: int
) -> List[str]:
    if expect_error is None:
        return [f"unexpected error {error!r}"] if error is not None else []
    if error is None:
        return [f"expected a {expect_error.get('kind')} error, got success"]
    if not isinstance(error, gemini_image.GeminiImageError):
        return [f"expected a GeminiImageError, got {error!r}"]
    problems = []
    checks = {
        "kind": error.kind,
        "field": error.field,
        "http_status": error.status_code,
        "status": error.api_status,
        "retryable": error.retryable,
        "retry_after_ms": None if error.retry_after is None else round(error.retry_after * 1000),
        "attempts": attempts,
    }
    if isinstance(error, gemini_image.NoImageError):
        checks.update(
            finish_reason=error.finish_reason,
            finish_message=error.finish_message,
            block_reason=error.block_reason,
            text=error.text,
        )
    if error_class_mismatch(error):
        problems.append(f"{type(error).__name__} does not match kind {error.kind}")
    for key, want in expect_error.items():
        if key == "message_contains":
            if want not in str(error):
                problems.append(f"message {str(error)!r} lacks {want!r}")
        elif key == "field" and _same_field(error.field, want):
            continue
        elif key not in checks:
            problems.append(f"unknown expect_error field {key!r}")
        elif checks[key] != want:
            problems.append(f"error {key}: {checks[key]!r} != {want!r} ({error})")
    return problems


def _same_field(got: Optional[str], want: str) -> bool:
    """The field matches, or names an element of it: the core's RequestOptions says
    ``response_modalities[1]`` where a case says ``response_modalities`` (reported to the
    lead; the Rust runner converts options its own way and does not see it)."""
    return got is not None and (got == want or got.startswith((want + "[", want + ".")))


def error_class_mismatch(error: gemini_image.GeminiImageError) -> bool:
    return type(error) is not gemini_image.errors.error_class_for_kind(error.kind)
