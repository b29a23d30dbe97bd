"""Every shared case in tests/fixtures/cases, twice: sans-IO (build_request /
parse_response / StreamDecoder / retry_delay / SansIOChat, no network) and end to end (a
stdlib loopback server serves the canned responses to a real Client, which uses zero jitter
and a recording sleeper)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import pytest

import gemini_image
from gemini_image import GeminiImageError, GenerateResponse, StreamDecoder

from fixture_support import (
    Canned,
    Loopback,
    Recorded,
    call_args,
    check_error,
    check_expect,
    check_request,
    load_cases,
    loopback_base,
    render,
)

CASES = load_cases()
IDS = [case["id"] for case in CASES]
STREAM_PIECE = 7


def test_all_cases_load() -> None:
    assert len(CASES) >= 100
    operations = {case.get("operation", "generate") for case in CASES}
    assert operations == {"generate", "stream", "conversation"}


def _decode_stream(body: bytes, piece: Optional[int]) -> Tuple[List[str], Any, Any]:
    """(event kinds, merged response or None, error or None) for one stream body."""
    decoder = StreamDecoder()
    kinds: List[str] = []
    try:
        chunks = [body] if piece is None else [body[i:i + piece] for i in range(0, len(body), piece)]
        for chunk in chunks:
            kinds.extend(e.type for e in decoder.feed(chunk))
        final = decoder.finish()
        kinds.extend(e.type for e in final)
        merged = final[-1].response
    except GeminiImageError as err:
        return kinds, None, err
    try:
        decoder.result()
    except GeminiImageError as err:
        return kinds, merged, err
    return kinds, merged, None


def _walk(
    responses: List[Canned], stream: bool, piece: Optional[int]
) -> Tuple[Optional[GenerateResponse], Optional[BaseException], int, Optional[List[str]]]:
    """Walks canned responses as the client would: retry while the policy says so."""
    result: Optional[GenerateResponse] = None
    error: Optional[BaseException] = None
    events: Optional[List[str]] = None
    attempts = 0
    for canned in responses:
        attempts += 1
        if stream and 200 <= canned.status < 300:
            events, merged, error = _decode_stream(canned.body, piece)
            result = merged
            if isinstance(error, gemini_image.NoImageError):
                result = error.response
            break
        try:
            result = gemini_image.parse_response(canned.status, canned.headers, canned.body)
            error = None
            break
        except gemini_image.NoImageError as err:
            result, error = err.response, err
            break
        except GeminiImageError as err:
            error = err
            delay = gemini_image.retry_delay(attempts, canned.status, canned.headers, canned.body)
            if delay is None:
                break
    return result, error, attempts, events


def _sans_io_single(case: Dict[str, Any], piece: Optional[int]) -> List[str]:
    input = case.get("input", {})
    stream = case.get("operation") == "stream"
    prompt, kwargs = call_args(input)
    try:
        request = gemini_image.build_request(
            prompt,
            api_key=input.get("api_key", "test-key"),
            base_url=input.get("base_url"),
            stream=stream,
            max_inline_bytes=input.get("max_inline_bytes"),
            **kwargs,
        )
    except GeminiImageError as err:
        if "expect_request" in case:
            return [f"build_request raised {err!r}"]
        return check_error(case.get("expect_error"), err, 0)
    if "expect_request" not in case:
        return ["the request was built, but the case expects it to be refused"]
    recorded = Recorded(request.method, request.url, list(request.headers.items()), request.body)
    problems = check_request(case["expect_request"], recorded, exact_url=True)
    responses = [render(r) for r in case.get("responses", [])]
    result, error, attempts, events = _walk(responses, stream, piece)
    if attempts != len(responses):
        problems.append(f"{attempts} attempt(s) for {len(responses)} canned response(s)")
    problems += check_expect(case.get("expect"), result, attempts, events)
    problems += check_error(case.get("expect_error"), error, attempts)
    return problems


def _sans_io_conversation(case: Dict[str, Any]) -> List[str]:
    config = dict(case.get("config") or {})
    chat = gemini_image.SansIOChat(
        case["model"], api_key=case.get("api_key", "test-key"), **config
    )
    problems: List[str] = []
    for t, turn in enumerate(case["turns"], 1):
        prompt, kwargs = call_args(turn["input"])
        request = chat.request(prompt, kwargs.get("images"))
        recorded = Recorded(request.method, request.url, list(request.headers.items()), request.body)
        turn_problems = check_request(turn["expect_request"], recorded, exact_url=True)
        responses = [render(r) for r in turn.get("responses", [])]
        attempts = 0
        result: Optional[GenerateResponse] = None
        error: Optional[BaseException] = None
        for i, canned in enumerate(responses):
            attempts += 1
            last = i == len(responses) - 1
            delay = gemini_image.retry_delay(attempts, canned.status, canned.headers, canned.body)
            if delay is not None and not last:
                continue
            try:
                result = chat.response(canned.status, canned.headers, canned.body)
            except gemini_image.NoImageError as err:
                result, error = err.response, err
            except GeminiImageError as err:
                error = err
            break
        turn_problems += check_expect(turn.get("expect"), result, attempts, None)
        turn_problems += check_error(turn.get("expect_error"), error, attempts)
        problems += [f"turn {t}: {p}" for p in turn_problems]
    return problems


def _client(server: Loopback, input: Dict[str, Any]) -> gemini_image.Client:
    return gemini_image.Client(
        api_key=input.get("api_key", "test-key"),
        base_url=loopback_base(input.get("base_url"), server.url),
        timeout=30,
        max_inline_bytes=input.get("max_inline_bytes"),
        _test_hooks=True,
    )


def _check_exchange(
    expected: Optional[Dict[str, Any]],
    responses: List[Canned],
    requests: List[Recorded],
    sleeps: List[float],
) -> List[str]:
    problems: List[str] = []
    if expected is None:
        if requests:
            problems.append(f"{len(requests)} request(s) sent; the case expects a refusal")
    else:
        if not requests:
            problems.append("no request reached the server")
        for i, got in enumerate(requests, 1):
            problems += [f"attempt {i}: {p}" for p in check_request(expected, got, exact_url=False)]
    if len(sleeps) != max(len(requests) - 1, 0):
        problems.append(f"{len(sleeps)} wait(s) for {len(requests)} attempt(s)")
    for i, slept in enumerate(sleeps):
        canned = responses[i]
        want = gemini_image.retry_delay(i + 1, canned.status, canned.headers, canned.body)
        if want is None or abs(slept - want) > 1e-6:
            problems.append(f"wait {i + 1} was {slept}s; the policy says {want}")
    return problems


def _e2e_single(case: Dict[str, Any]) -> List[str]:
    input = case.get("input", {})
    responses = [render(r) for r in case.get("responses", [])]
    server = Loopback(responses)
    try:
        prompt, kwargs = call_args(input)
        result: Optional[GenerateResponse] = None
        error: Optional[BaseException] = None
        events: Optional[List[str]] = None
        client = None
        try:
            client = _client(server, input)
            if case.get("operation") == "stream":
                events = []
                stream = client.stream(prompt, **kwargs)
                for event in stream:
                    events.append(event.type)
                result = stream.response
            else:
                result = client.generate(prompt, **kwargs)
        except gemini_image.NoImageError as err:
            error, result = err, err.response
            if events is not None:
                events.append("done")  # no_image is the stream's end, after all events
        except GeminiImageError as err:
            error = err
        requests = server.take_requests()
        sleeps = client._native.take_sleeps() if client is not None else []
        problems = _check_exchange(case.get("expect_request"), responses, requests, sleeps)
        if server.overflow:
            problems.append("the client asked for more responses than the case lists")
        if server.unserved:
            problems.append(f"{server.unserved} canned response(s) were never requested")
        attempts = len(requests)
        problems += check_expect(case.get("expect"), result, attempts, events)
        problems += check_error(case.get("expect_error"), error, attempts)
        return problems
    finally:
        server.close()


def _e2e_conversation(case: Dict[str, Any]) -> List[str]:
    server = Loopback()
    try:
        client = _client(server, {"api_key": case.get("api_key", "test-key")})
        chat = client.chat(case["model"], **(case.get("config") or {}))
        problems: List[str] = []
        for t, turn in enumerate(case["turns"], 1):
            responses = [render(r) for r in turn.get("responses", [])]
            server.push(responses)
            prompt, kwargs = call_args(turn["input"])
            result: Optional[GenerateResponse] = None
            error: Optional[BaseException] = None
            try:
                result = chat.send(prompt, kwargs.get("images"))
            except gemini_image.NoImageError as err:
                error, result = err, err.response
            except GeminiImageError as err:
                error = err
            requests = server.take_requests()
            turn_problems = _check_exchange(
                turn.get("expect_request"), responses, requests, client._native.take_sleeps()
            )
            if server.unserved:
                turn_problems.append(f"{server.unserved} canned response(s) never requested")
            turn_problems += check_expect(turn.get("expect"), result, len(requests), None)
            turn_problems += check_error(turn.get("expect_error"), error, len(requests))
            problems += [f"turn {t}: {p}" for p in turn_problems]
        if server.overflow:
            problems.append("the client asked for more responses than the case lists")
        return problems
    finally:
        server.close()


def _report(case: Dict[str, Any], problems: List[str]) -> None:
    if problems:
        pytest.fail(f"{case['id']} ({case.get('description', '')}):\n  " + "\n  ".join(problems))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_sans_io(case: Dict[str, Any]) -> None:
    if case.get("operation") == "conversation":
        _report(case, _sans_io_conversation(case))
        return
    _report(case, _sans_io_single(case, STREAM_PIECE))
    if case.get("operation") == "stream":
        _report(case, _sans_io_single(case, None))  # the body in one piece too


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_end_to_end(case: Dict[str, Any]) -> None:
    if case.get("operation") == "conversation":
        _report(case, _e2e_conversation(case))
    else:
        _report(case, _e2e_single(case))


def _find(case_id: str) -> Dict[str, Any]:
    import copy

    return copy.deepcopy(next(c for c in CASES if c["id"] == case_id))


def test_runners_detect_differences() -> None:
    """The runners must not pass vacuously."""
    case = _find("generate/gemini25_flash_basic")
    case["expect_request"]["json"]["generationConfig"]["responseModalities"] = ["IMAGE"]
    assert _sans_io_single(case, STREAM_PIECE) and _e2e_single(case)
    case = _find("retry/503_then_200")
    case["responses"].pop()
    assert _sans_io_single(case, STREAM_PIECE) and _e2e_single(case)
    case = _find("stream/three_pro_transcript")
    case["expect"]["events"] = ["image", "done"]
    assert _sans_io_single(case, STREAM_PIECE) and _e2e_single(case)
    case = _find("retry/400_not_retried")
    case["responses"].append(case["responses"][0])
    assert _sans_io_single(case, STREAM_PIECE) and _e2e_single(case)
    case = _find("conversation/three_turn_3_pro_signatures")
    case["turns"][-1]["expect_request"]["json"]["contents"].pop(0)
    assert _sans_io_conversation(case) and _e2e_conversation(case)
