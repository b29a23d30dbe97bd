"""The blocking Client against the in-process emulator."""

import json
from pathlib import Path

import pytest

import gemini_image
from gemini_image import Client, GenerateResponse, Image
from gemini_image.testing import Emulator

PNG = b"\x89PNG\r\n\x1a\n"


def client_for(emu: Emulator, **kwargs: object) -> Client:
    kwargs.setdefault("model", "gemini-2.5-flash-image")
    return emu.client(**kwargs)  # type: ignore[arg-type]


def test_generate_returns_a_png(emulator: Emulator) -> None:
    result = client_for(emulator).generate("a red fox in the snow", aspect_ratio="16:9")
    assert isinstance(result, GenerateResponse)
    image = result.image
    assert image is not None and image is result.images[0]
    assert image.mime_type == "image/png" and image.data.startswith(PNG)
    assert isinstance(image.data, bytes)
    assert (image.width, image.height) == (1344, 768)
    assert result.finish_reason == "STOP"
    assert result.usage is not None and result.usage.total_token_count
    assert result.model_version
    assert "Image(image/png, 1344x768" in repr(result)


def test_gemini3_thoughts_and_signatures(emulator: Emulator) -> None:
    result = client_for(emulator, model="gemini-3-pro-image-preview").generate("a cabin")
    assert result.image is not None and result.image.mime_type == "image/jpeg"
    assert len(result.thought_images) == 1
    assert result.thoughts
    assert result.thought_signatures
    assert result.usage is not None and result.usage.thoughts_token_count


def test_edit_with_the_previous_image(emulator: Emulator) -> None:
    client = client_for(emulator)
    first = client.generate("a house")
    assert first.image is not None
    edited = client.edit(first.image, "make it night")
    assert edited.image is not None and edited.image.data != first.image.data


def test_stream_events_end_with_done(emulator: Emulator) -> None:
    client = client_for(emulator, model="gemini-3-pro-image-preview")
    stream = client.stream("a lighthouse")
    kinds = [event.type for event in stream]
    assert kinds == ["thought_text", "thought_image", "image", "done"]
    assert stream.response is not None and stream.response.image is not None


def test_stream_collect_and_close(emulator: Emulator) -> None:
    client = client_for(emulator)
    with client.stream("a boat") as stream:
        first = next(stream)
        assert first.type in ("text", "image")
    assert list(stream) == []  # closed: nothing more
    assert client.stream("a boat").collect().image is not None


def test_chat_history_save_and_restore(emulator: Emulator) -> None:
    client = client_for(emulator, model="gemini-3-pro-image-preview")
    chat = client.chat(aspect_ratio="1:1")
    chat.send("a cabin in the snow")
    second = chat.send("now at night", aspect_ratio="16:9")
    assert second.image is not None and (second.image.width, second.image.height) == (1376, 768)
    history = chat.history
    assert [turn["role"] for turn in history] == ["user", "model", "user", "model"]
    assert any("thoughtSignature" in part for part in history[1]["parts"])
    saved = chat.to_json()
    assert json.loads(saved)["version"] == 1
    restored = client.restore_chat(saved)
    assert restored.history == history and restored.model == chat.model
    third = restored.send("add a sled")
    assert third.image is not None and (third.image.width, third.image.height) == (1024, 1024)
    assert len(restored) == 6 and len(chat) == 4


def test_failed_turn_leaves_history_unchanged(emulator: Emulator) -> None:
    chat = client_for(emulator).chat()
    chat.send("a cabin")
    with pytest.raises(gemini_image.NoImageError):
        chat.send("a cabin [[fault:image_safety]]")
    assert len(chat) == 2


def test_restore_rejects_garbage(emulator: Emulator) -> None:
    with pytest.raises(gemini_image.InvalidRequestError) as info:
        client_for(emulator).restore_chat("{not json")
    assert info.value.field == "conversation"


def test_batch_in_input_order_with_per_item_errors(emulator: Emulator) -> None:
    client = client_for(emulator)
    seen = []
    results = client.batch(
        ["one", {"prompt": "two [[fault:refusal]]"}, {"prompt": "three", "aspect_ratio": "9:16"}],
        concurrency=2,
        on_result=lambda i, r: seen.append(i),
    )
    assert sorted(seen) == [0, 1, 2]
    assert isinstance(results[0], GenerateResponse)
    assert isinstance(results[1], gemini_image.NoImageError)
    assert isinstance(results[2], GenerateResponse) and results[2].image is not None
    assert (results[2].image.width, results[2].image.height) == (768, 1344)


def test_batch_callback_error_stops_and_raises(emulator: Emulator) -> None:
    def boom(index: int, result: object) -> None:
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        client_for(emulator).batch(["a", "b", "c", "d"], concurrency=1, on_result=boom)


def test_image_save_adds_extension(tmp_path: Path, emulator: Emulator) -> None:
    image = client_for(emulator).generate("a kite").image
    assert image is not None
    written = image.save(tmp_path / "kite")
    assert written == tmp_path / "kite.png" and written.read_bytes() == image.data
    again = image.save(tmp_path / "kite")  # never replaces a file unless asked
    assert again == tmp_path / "kite-2.png" and written.read_bytes() == image.data
    assert image.save(tmp_path / "kite", overwrite=True) == written
    assert image.save(str(tmp_path / "x.jpg")).name == "x.png"  # the bytes are PNG
    assert image.save(tmp_path / "sub" / "v1.final").name == "v1.final.png"
    assert image._repr_png_() == image.data and image._repr_jpeg_() is None


def test_options_reach_the_wire(emulator: Emulator) -> None:
    request = gemini_image.build_request(
        "a fox",
        api_key="test-key",
        model="gemini-3-pro-image-preview",
        aspect_ratio="4:3",
        image_size="2k",
        system_instruction="be brief",
        temperature=0.5,
        top_p=0.9,
        top_k=40,
        seed=7,
        max_output_tokens=2000,
        stop_sequences=["END"],
        response_modalities=["IMAGE"],
        safety_settings=[{"category": "HARM_CATEGORY_HATE_SPEECH", "threshold": "BLOCK_NONE"}],
        thinking={"include_thoughts": True, "thinking_level": "HIGH"},
        extra={"labels": {"team": "a"}},
    )
    body = json.loads(request.body)
    config = body["generationConfig"]
    assert config["imageConfig"] == {"aspectRatio": "4:3", "imageSize": "2K"}
    assert config["temperature"] == 0.5 and config["topP"] == 0.9 and config["topK"] == 40
    assert config["seed"] == 7 and config["maxOutputTokens"] == 2000
    assert config["stopSequences"] == ["END"] and config["responseModalities"] == ["IMAGE"]
    assert config["thinkingConfig"] == {"includeThoughts": True, "thinkingLevel": "HIGH"}
    assert body["systemInstruction"] == {"parts": [{"text": "be brief"}]}
    assert body["safetySettings"][0]["threshold"] == "BLOCK_NONE"
    assert body["labels"] == {"team": "a"}


def test_unknown_option_names_the_field(emulator: Emulator) -> None:
    with pytest.raises(gemini_image.InvalidRequestError) as info:
        client_for(emulator).generate("a fox", aspect_ration="16:9")
    assert info.value.field == "aspect_ration"
    assert emulator.request_count >= 0


def test_repr_never_shows_the_key(emulator: Emulator) -> None:
    client = Client(api_key="sk-very-secret-123", base_url=emulator.gateway_url)
    assert "sk-very-secret" not in repr(client) and "sk-very-secret" not in str(vars(client))
    assert "timeout=180.0" in repr(client) and "max_retries=2" in repr(client)


def test_env_and_defaults(monkeypatch: pytest.MonkeyPatch, emulator: Emulator) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "from-env")
    monkeypatch.setenv("GEMINI_IMAGE_BASE_URL", emulator.gateway_url)
    monkeypatch.setenv("GEMINI_IMAGE_MODEL", "gemini-2.5-flash-image")
    client = Client()
    assert client.base_url == emulator.gateway_url and client.model == "gemini-2.5-flash-image"
    assert client.generate("env").image is not None
    explicit = Client(model="gemini-3-pro-image-preview", timeout=12.5, max_retries=0)
    assert explicit.model == "gemini-3-pro-image-preview"
    assert explicit.timeout == 12.5 and explicit.max_retries == 0
    monkeypatch.delenv("GEMINI_API_KEY")
    monkeypatch.delenv("GEMINI_IMAGE_BASE_URL")
    monkeypatch.setenv("GOOGLE_API_KEY", "google-key")
    assert Client().base_url == gemini_image.GOOGLE_BASE_URL  # a Google key: Google's API
    monkeypatch.setenv("THUCCHIEN_API_KEY", "gateway-key")
    assert Client().base_url == gemini_image.GATEWAY_BASE_URL  # the gateway key wins
    monkeypatch.delenv("THUCCHIEN_API_KEY")
    monkeypatch.delenv("GOOGLE_API_KEY")
    with pytest.raises(gemini_image.InvalidRequestError) as info:
        Client()
    assert info.value.field == "api_key" and "THUCCHIEN_API_KEY" in str(info.value)
    assert "ClientBuilder" not in str(info.value)


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf")])
def test_bad_timeout_names_the_field(bad: float, emulator: Emulator) -> None:
    with pytest.raises(gemini_image.InvalidRequestError) as info:
        Client(api_key="k", base_url=emulator.gateway_url, timeout=bad)
    assert info.value.field == "timeout"


def test_image_input_object_keeps_its_label(emulator: Emulator) -> None:
    with pytest.raises(gemini_image.InvalidRequestError) as label:
        gemini_image.build_request("x", api_key="k", images=[Image(PNG + b"rest", "image/gif")])
    assert label.value.field == "images[0].mime_type"
    with pytest.raises(gemini_image.InvalidRequestError) as info:
        client_for(emulator).edit(Image(b"not an image"), "x")
    assert info.value.field == "images[0].data"


def test_stream_done_reuses_the_delivered_image_bytes(emulator: Emulator) -> None:
    client = client_for(emulator, model="gemini-3-pro-image-preview")
    events = list(client.stream("a harbour at dawn"))
    image_event = next(e for e in events if e.type == "image")
    thought_event = next(e for e in events if e.type == "thought_image")
    done = events[-1].response
    assert done is not None and done.image is not None and image_event.image is not None
    assert done.image.data is image_event.image.data  # the same bytes object, not a copy
    assert thought_event.image is not None
    assert done.thought_images[0].data is thought_event.image.data


def test_response_images_are_handed_over_without_a_copy(emulator: Emulator) -> None:
    """Every path decodes each image straight into its `bytes` object: the native module
    counts the images it had to copy into a new `bytes`, and none of these paths does."""
    import asyncio
    import urllib.request

    from gemini_image import _native

    before = _native.copied_image_count()
    client = client_for(emulator, model="gemini-3-pro-image-preview")
    seen = []
    generated = client.generate("a kite [[bytes:300k]]")
    seen += generated.images + generated.thought_images
    assert generated.image is not None
    seen += client.edit(generated.image, "make it night").images
    seen += [e.image for e in client.stream("a harbour") if e.image is not None]
    chat = client.chat()
    seen += chat.send("a cabin").images + chat.send("add snow").images
    for result in client.batch(["a fox", "a hare"], concurrency=2):
        assert isinstance(result, GenerateResponse)
        seen += result.images

    async def in_async() -> GenerateResponse:
        async_client = gemini_image.AsyncClient(
            api_key="k", base_url=emulator.base_url, model="gemini-2.5-flash-image"
        )
        return await async_client.generate("a lark")

    seen += asyncio.run(in_async()).images

    # Bring your own HTTP: the sans-IO parser and stream decoder decode into `bytes` too.
    for stream in (False, True):
        request = gemini_image.build_request(
            "an owl", api_key="k", base_url=emulator.base_url, stream=stream,
            model="gemini-3-pro-image-preview",
        )
        http = urllib.request.Request(request.url, data=request.body, headers=request.headers)
        with urllib.request.urlopen(http, timeout=60) as answer:
            status, headers, body = answer.status, list(answer.headers.items()), answer.read()
        if stream:
            decoder = gemini_image.StreamDecoder()
            events = decoder.feed(body) + decoder.finish()
            seen += [e.image for e in events if e.image is not None]
            merged = decoder.result()
            assert merged.image is not None and any(merged.image.data is i.data for i in seen)
        else:
            parsed = gemini_image.parse_response(status, headers, body)
            seen += parsed.images + parsed.thought_images

    assert len(seen) >= 12
    assert all(image.data.startswith((PNG, b"\xff\xd8")) for image in seen)
    assert _native.copied_image_count() == before


def test_retries_are_logged_as_they_start(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    client = client_for(emulator, _test_hooks=True)  # retry waits are recorded, not slept
    with caplog.at_level("INFO", logger="gemini_image"):
        result = client.generate("a fox [[fault:overloaded:1]]")
    assert result.image is not None
    records = [r for r in caplog.records if r.name == "gemini_image"]
    assert len(records) == 1, [r.getMessage() for r in records]
    message = records[0].getMessage()
    assert message.startswith("server (503), retrying in") and message.endswith("(attempt 2 of 3)")
    details = records[0].gemini_image_retry  # type: ignore[attr-defined]
    assert (details["kind"], details["status_code"], details["attempt"]) == ("server", 503, 2)
