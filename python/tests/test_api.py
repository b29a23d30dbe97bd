"""The Python-specific API: image input types, PIL, asyncio, threads, cancellation, the
exception tree, key redaction, the emulator context manager and pytest fixtures."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import pickle
import threading
import time
import traceback
from pathlib import Path
from typing import Any, List

import pytest

import gemini_image
from gemini_image import AsyncClient, Client, Image, _native, errors
from gemini_image.testing import Emulator

PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415478da63f8cf000003010100c9fe92ef0000000049454e44ae426082"
)
SECRET = "sk-live-0123456789abcdef-secret"


def flash(emu: Emulator, **kwargs: Any) -> Client:
    kwargs.setdefault("model", "gemini-2.5-flash-image")
    return emu.client(**kwargs)


# --- image inputs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda p: str(p), id="str"),
        pytest.param(lambda p: p, id="pathlib"),
        pytest.param(lambda p: p.read_bytes(), id="bytes"),
        pytest.param(lambda p: bytearray(p.read_bytes()), id="bytearray"),
        pytest.param(lambda p: memoryview(p.read_bytes()), id="memoryview"),
        pytest.param(lambda p: Image(p.read_bytes(), "image/png"), id="Image"),
        pytest.param(lambda p: [str(p), p.read_bytes()], id="list"),
    ],
)
def test_every_image_input_type(make: Any, tmp_path: Path, emulator: Emulator) -> None:
    path = tmp_path / "in.png"
    path.write_bytes(PNG_1x1)
    images = make(path)
    request = gemini_image.build_request("recolor", api_key="k", images=images)
    import base64
    import json

    parts = json.loads(request.body)["contents"][0]["parts"]
    count = len(images) if isinstance(images, list) else 1
    assert len(parts) == 1 + count
    for part in parts[1:]:
        assert part["inlineData"]["mimeType"] == "image/png"
        assert base64.b64decode(part["inlineData"]["data"]) == PNG_1x1
    edited = flash(emulator).edit(images, "recolor")
    assert edited.image is not None


def test_pil_in_and_out(emulator: Emulator) -> None:
    PIL_Image = pytest.importorskip("PIL.Image")
    picture = PIL_Image.new("RGB", (64, 32), (200, 30, 30))
    result = flash(emulator).edit(picture, "make it blue")
    assert result.image is not None
    out = result.image.to_pil()
    assert out.size == (result.image.width, result.image.height)
    rgba = PIL_Image.new("RGBA", (8, 8))
    request = gemini_image.build_request("x", api_key="k", images=rgba)
    assert b'"image/png"' in request.body


def test_bad_image_inputs_name_the_field(tmp_path: Path) -> None:
    with pytest.raises(gemini_image.InvalidRequestError) as info:
        gemini_image.build_request("x", api_key="k", images=[PNG_1x1, 42])
    assert info.value.field == "images[1]" and "int" in str(info.value)
    with pytest.raises(gemini_image.IoError) as missing:
        gemini_image.build_request("x", api_key="k", images=tmp_path / "nope.png")
    assert missing.value.field == "images[0]" and "nope.png" in str(missing.value)
    assert isinstance(missing.value, OSError)
    with pytest.raises(gemini_image.InvalidRequestError) as junk:
        gemini_image.build_request("x", api_key="k", images=b"not an image")
    assert junk.value.field == "images[0]"


# --- asyncio -----------------------------------------------------------------------------


def test_async_loop_keeps_ticking_with_ten_calls_in_flight() -> None:
    with Emulator(latency=0.5) as emu:
        client = emu.async_client(model="gemini-2.5-flash-image")

        async def main() -> tuple[int, float, List[Any]]:
            ticks = 0
            stop = asyncio.Event()

            async def ticker() -> None:
                nonlocal ticks
                while not stop.is_set():
                    ticks += 1
                    await asyncio.sleep(0.01)

            await client.generate("fox")  # drawn once, then served from the emulator's cache
            tick_task = asyncio.create_task(ticker())
            started = time.perf_counter()
            results = await asyncio.gather(*(client.generate("fox") for _ in range(10)))
            elapsed = time.perf_counter() - started
            stop.set()
            await tick_task
            return ticks, elapsed, results

        ticks, elapsed, results = asyncio.run(main())
    assert all(r.image is not None for r in results)
    # 10 calls of 0.5 s each ran concurrently (not 5 s in a row), and the loop ticked
    # throughout (about every 10 ms).
    assert elapsed < 3.0, elapsed
    assert ticks >= elapsed / 0.01 * 0.5, (ticks, elapsed)


def test_async_stream_chat_and_batch(emulator: Emulator) -> None:
    client = emulator.async_client(model="gemini-3-pro-image-preview")

    async def main() -> None:
        kinds = [event.type async for event in client.stream("a kite")]
        assert kinds == ["thought_text", "thought_image", "image", "done"]
        async with client.stream("a kite") as stream:
            first = await stream.__anext__()
            assert first.type == "thought_text"
        assert (await client.stream("a kite").collect()).image is not None
        chat = client.chat(aspect_ratio="16:9")
        await chat.send("a cabin")
        await chat.send("at night")
        assert len(chat) == 4
        seen: List[int] = []

        async def on_result(index: int, result: Any) -> None:
            seen.append(index)

        results = await client.batch(["a", "b [[fault:refusal]]", "c"], 2, on_result)
        assert sorted(seen) == [0, 1, 2]
        assert isinstance(results[1], gemini_image.NoImageError)
        assert results[0].image is not None  # type: ignore[union-attr]
        edited = await client.edit(results[0].image, "invert")  # type: ignore[union-attr]
        assert edited.image is not None

    asyncio.run(main())


def test_async_cancel_stops_the_call_and_frees_its_thread() -> None:
    with Emulator() as emu:
        # Always 503: without the cancel, the client would retry after ~1 s and ~2 s.
        client = emu.async_client(model="gemini-2.5-flash-image", max_retries=2)

        async def main() -> float:
            task = asyncio.create_task(client.generate("busy [[fault:overloaded]]"))
            while emu.request_count < 1:
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.1)  # now in the first retry wait
            started = time.perf_counter()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return time.perf_counter() - started

        waited = asyncio.run(main())
        assert waited < 0.5, waited
        # The worker thread stopped in its retry wait: no second attempt ever comes.
        time.sleep(2.5)
        assert emu.request_count == 1


def test_cancel_token_from_another_thread(emulator: Emulator) -> None:
    client = flash(emulator, max_retries=3)
    token = gemini_image.CancelToken()
    threading.Timer(0.3, token.cancel).start()
    started = time.perf_counter()
    with pytest.raises(gemini_image.CancelledError) as info:
        client.generate("cancel me [[fault:overloaded]]", cancel=token)
    assert time.perf_counter() - started < 1.0
    assert info.value.kind == "cancelled" and token.cancelled
    # A batch stops handing out requests; the ones never started are CancelledError.
    token = gemini_image.CancelToken()
    results = client.batch(
        ["a", "b", "c"], concurrency=1, on_result=lambda i, r: token.cancel(), cancel=token
    )
    assert isinstance(results[0], gemini_image.GenerateResponse)
    # The request already taken by the worker may finish; the last one never starts.
    assert isinstance(results[2], gemini_image.CancelledError), results


def test_stream_cancel_from_another_thread() -> None:
    with Emulator() as emu:
        client = emu.client(model="gemini-3-pro-image-preview")
        stream = client.stream("slow stream [[fault:slow_body]] [[delay:1500]]")
        first = next(stream)
        threading.Timer(0.2, stream.cancel).start()
        started = time.perf_counter()
        with pytest.raises(gemini_image.CancelledError):
            for _ in stream:
                pass
        assert time.perf_counter() - started < 1.2
        assert first.type == "thought_text"


# --- threads -----------------------------------------------------------------------------


def test_threads_share_one_client_and_release_the_gil() -> None:
    with Emulator(latency=0.3) as emu:
        client = flash(emu)
        results: List[Any] = []
        lock = threading.Lock()

        client.generate("thread")  # drawn once, then served from the emulator's cache

        def work(i: int) -> None:
            r = client.generate("thread")
            with lock:
                results.append(r)

        counter = 0
        stop = threading.Event()

        def spin() -> None:  # pure Python: only runs if the GIL is released
            nonlocal counter
            while not stop.is_set():
                counter += 1

        spinner = threading.Thread(target=spin)
        spinner.start()
        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        stop.set()
        spinner.join()
    assert len(results) == 8 and all(r.image is not None for r in results)
    assert elapsed < 2.0, elapsed  # 8 x 0.3 s concurrently
    assert counter > 1000


def test_reading_a_chat_while_a_turn_is_in_flight_does_not_deadlock() -> None:
    """A turn holds the chat while it runs and takes the GIL to hand over its image; another
    thread reading the chat meanwhile must wait without holding the GIL."""
    with Emulator(latency=0.3) as emu:
        chat = flash(emu).chat()
        sent: List[Any] = []
        turn = threading.Thread(target=lambda: sent.append(chat.send("a kite")))
        turn.start()
        reads = 0
        while turn.is_alive() and reads < 10_000:
            assert len(chat) in (0, 2) and chat.model and isinstance(chat.history, list)
            chat.to_json()
            reads += 1
        turn.join(timeout=30)
        assert not turn.is_alive(), "the turn never finished: deadlock"
    assert sent and sent[0].image is not None and len(chat) == 2 and reads > 0


# --- errors ------------------------------------------------------------------------------


def test_every_core_kind_has_its_class() -> None:
    kinds = dict(_native.ERROR_KINDS)
    assert "rate_limited" in kinds and kinds["rate_limited"] == "GEMINI_IMAGE_RATE_LIMITED"
    for kind, code in kinds.items():
        cls = errors.error_class_for_kind(kind)
        assert cls is not gemini_image.GeminiImageError, f"no class for {kind}"
        assert cls.kind == kind
        assert getattr(gemini_image, cls.__name__) is cls
        assert getattr(errors, cls.__name__) is cls
    assert errors.error_class_for_kind("brand_new_kind") is gemini_image.GeminiImageError


@pytest.mark.parametrize(
    "prompt, cls, status, retryable",
    [
        ("[[fault:rate_limit]]", gemini_image.RateLimitError, 429, True),
        ("[[fault:credits]]", gemini_image.QuotaExhaustedError, 429, False),
        ("[[fault:budget]]", gemini_image.QuotaExhaustedError, 429, False),
        ("[[fault:overloaded]]", gemini_image.ServerError, 503, True),
        ("[[fault:internal]]", gemini_image.ServerError, 500, True),
        ("[[fault:deadline]]", gemini_image.TimeoutError, 504, True),
        ("[[fault:html_502]]", gemini_image.ServerError, 502, True),
        ("[[fault:image_safety]]", gemini_image.NoImageError, 200, False),
        ("[[fault:blocked]]", gemini_image.NoImageError, 200, False),
        ("[[fault:refusal]]", gemini_image.NoImageError, 200, False),
        ("[[fault:drop]]", gemini_image.NetworkError, None, True),
    ],
)
def test_each_fault_raises_its_class(
    prompt: str, cls: type, status: Any, retryable: bool, emulator: Emulator
) -> None:
    client = flash(emulator, max_retries=0)
    with pytest.raises(cls) as info:
        client.generate(f"a fox {prompt}")
    err = info.value
    assert isinstance(err, gemini_image.GeminiImageError)
    assert err.kind == cls.kind and err.code == "GEMINI_IMAGE_" + cls.kind.upper()
    assert err.status_code == status and err.retryable is retryable
    assert str(err) and err.kind in repr(err) or type(err).__name__ in repr(err)


def test_error_details(emulator: Emulator) -> None:
    client = flash(emulator, max_retries=0)
    with pytest.raises(gemini_image.RateLimitError) as rate:
        client.generate("x [[fault:rate_limit]]")
    assert rate.value.retry_after == 1.0 and rate.value.api_status == "RESOURCE_EXHAUSTED"
    assert rate.value.remedy == "retry_later" and "retry in 1 s" in str(rate.value)
    with pytest.raises(gemini_image.NoImageError) as safety:
        client.generate("x [[fault:image_safety]]")
    err = safety.value
    assert err.finish_reason == "IMAGE_SAFETY" and err.finish_message
    assert err.response is not None and err.response.image is None
    with pytest.raises(gemini_image.NoImageError) as blocked:
        client.generate("x [[fault:blocked]]")
    assert blocked.value.block_reason == "PROHIBITED_CONTENT"
    with pytest.raises(gemini_image.NoImageError) as refusal:
        client.generate("x [[fault:refusal]]")
    assert refusal.value.text == "I can't create images of that."
    with pytest.raises(gemini_image.NotFoundError) as missing:
        client.generate("x", model="gemini-9-imaginary")
    assert missing.value.status_code == 404 and "model=" in str(missing.value)
    with pytest.raises(gemini_image.TimeoutError) as slow:
        flash(emulator, timeout=0.3, max_retries=0).generate("x [[fault:slow]] [[delay:2000]]")
    assert isinstance(slow.value, TimeoutError.__mro__[0]) and "timeout=" in str(slow.value)
    with pytest.raises(gemini_image.AuthenticationError):
        with Emulator(api_key="right-key") as locked:
            locked.client(api_key="wrong-key").generate("x")
    with pytest.raises(gemini_image.NetworkError):
        Client(api_key="k", base_url="http://127.0.0.1:9", max_retries=0).generate("x")


def test_retries_then_success(emulator: Emulator) -> None:
    client = flash(emulator, _test_hooks=True)
    result = client.generate("retry me [[fault:overloaded:2]]")
    assert result.image is not None
    assert client._native.take_sleeps() == [0.5, 1.0]


def test_errors_pickle_and_catch_as_builtins(emulator: Emulator) -> None:
    with pytest.raises(ValueError):
        flash(emulator).generate("x", aspect_ratio="3:7")
    with pytest.raises(gemini_image.InvalidRequestError) as info:
        flash(emulator).generate("x", aspect_ratio="3:7")
    copy = pickle.loads(pickle.dumps(info.value))
    assert type(copy) is gemini_image.InvalidRequestError
    assert copy.field == "aspect_ratio" and str(copy) == str(info.value)


def test_the_key_never_shows(emulator: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    client = Client(api_key=SECRET, base_url=emulator.gateway_url, max_retries=0)
    assert SECRET not in repr(client) and SECRET not in str(client.__dict__)
    async_client = AsyncClient(api_key=SECRET, base_url=emulator.gateway_url)
    assert SECRET not in repr(async_client)
    request = gemini_image.build_request("x", api_key=SECRET)
    assert request.headers["x-goog-api-key"] == SECRET  # it must be sent...
    assert SECRET not in repr(request)  # ...but never shown
    with Emulator(api_key="another-key") as locked:
        bad = Client(api_key=SECRET, base_url=locked.gateway_url, max_retries=0)
        with pytest.raises(gemini_image.AuthenticationError) as info:
            bad.generate(f"echo {SECRET}")
    err = info.value
    text = "".join(traceback.format_exception(type(err), err, err.__traceback__))
    assert SECRET not in text and SECRET not in repr(err) and SECRET not in str(vars(err))
    logging.getLogger("test").error("failed", exc_info=err)
    assert SECRET not in caplog.text
    with pytest.raises(gemini_image.InvalidRequestError) as url:
        Client(api_key=SECRET, base_url=f"ftp://{SECRET}@example.com")
    assert SECRET not in str(url.value)


# --- the emulator and the pytest fixtures ------------------------------------------------


def test_emulator_context_manager() -> None:
    with Emulator() as emu:
        assert emu.running and emu.base_url.startswith("http://127.0.0.1:")
        assert emu.gateway_url == emu.base_url + "/gemini"
        assert emu.request_count == 0
        direct = Client(api_key="t", base_url=emu.base_url, model="gemini-2.5-flash-image")
        assert direct.generate("a").image is not None
        assert emu.client().generate("b").image is not None
        assert emu.request_count == 2 and emu.prompt_count("a") == 1
        assert "running=True" in repr(emu)
    assert not emu.running
    with pytest.raises(gemini_image.NetworkError):
        Client(api_key="t", base_url=emu.gateway_url, max_retries=0).generate("c")


def test_emulator_cache_bytes() -> None:
    with Emulator(cache_bytes=0) as emu:
        client = emu.client(model="gemini-2.5-flash-image")
        assert client.generate("one").image is not None
        assert client.generate("two").image is not None
        assert client.generate("one").image is not None
    with pytest.raises(ValueError, match="cache_bytes"):
        Emulator(cache_bytes=-1)


def test_fixture_emulator_and_client(
    gemini_image_emulator: Emulator, gemini_image_client: Client
) -> None:
    assert gemini_image_client.base_url == gemini_image_emulator.gateway_url
    assert gemini_image_client.generate("fixture").image is not None
    assert gemini_image_emulator.request_count == 1


def test_fixture_env(gemini_image_env: Emulator) -> None:
    client = Client()  # what the code under test would write
    assert client.base_url == gemini_image_env.gateway_url
    assert client.generate("from the environment").image is not None
    assert os.environ["THUCCHIEN_API_KEY"] == "test-key"


def test_large_image_roundtrip(emulator: Emulator) -> None:
    result = flash(emulator).generate("big [[bytes:8m]]")
    assert result.image is not None and len(result.image.data) >= 8_000_000
    assert "MB" in repr(result.image)
    buffer = io.BytesIO(result.image.data)
    assert buffer.read(8) == b"\x89PNG\r\n\x1a\n"


def test_build_request_takes_a_prompt_or_a_request_mapping() -> None:
    by_keywords = gemini_image.build_request(
        "a red fox", api_key="k", aspect_ratio="16:9", images=[PNG_1x1], top_p=0.5
    )
    by_mapping = gemini_image.build_request(
        {"prompt": "a red fox", "aspect_ratio": "16:9", "images": [PNG_1x1], "top_p": 0.5},
        api_key="k",
    )
    import json

    assert (by_mapping.method, by_mapping.url, by_mapping.headers) == (
        by_keywords.method,
        by_keywords.url,
        by_keywords.headers,
    )
    assert json.loads(by_mapping.body) == json.loads(by_keywords.body)
    overridden = gemini_image.build_request(
        {"prompt": "a red fox", "aspect_ratio": "16:9"}, api_key="k", aspect_ratio="1:1"
    )
    assert b'"aspectRatio":"1:1"' in overridden.body.replace(b" ", b"")
    with pytest.raises(gemini_image.InvalidRequestError) as raised:
        gemini_image.build_request({"aspect_ratio": "16:9"}, api_key="k")
    assert raised.value.field == "request.prompt"
