"""Google's official Python SDK (google-genai) against the emulator.

Every client keeps the SDK's DEFAULT settings (API version v1, no retries, default
timeouts) except `base_url` and the key. Fault prompts use `[[fault:NAME:1]]` (fail the
first request with that prompt only): if the SDK retried, the retry would succeed and the
test would fail, so each error test also proves a single attempt.
"""

from __future__ import annotations

import itertools
import struct
import time
import zlib

import pytest
from google import genai
from google.genai import errors, types

from conftest import KEY

_counter = itertools.count()


def unique(prompt: str) -> str:
    """A prompt no other test sends (fault counts are per exact prompt)."""
    return f"{prompt} #{next(_counter)}"


def client(base_url: str) -> genai.Client:
    return genai.Client(api_key=KEY, http_options={"base_url": base_url})


@pytest.fixture(scope="module")
def google(emulator) -> genai.Client:
    return client(emulator.url)


@pytest.fixture(scope="module")
def gateway(emulator) -> genai.Client:
    return client(emulator.gateway_url)


def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a PNG or baseline JPEG."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return struct.unpack(">II", data[16:24])
    assert data[:3] == b"\xff\xd8\xff", data[:8]
    i = 2
    while i < len(data):
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            h, w = struct.unpack(">HH", data[i + 5 : i + 9])
            return w, h
        i += 2 + length
    raise AssertionError("no SOF marker")


def solid_png(w: int, h: int, rgb: tuple[int, int, int]) -> bytes:
    raw = b"".join(b"\x00" + bytes(rgb) * w for _ in range(h))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def final_image(response: types.GenerateContentResponse) -> types.Blob:
    images = [p.inline_data for p in response.parts or [] if p.inline_data and not p.thought]
    assert images, response
    return images[-1]


def assert_usage_adds_up(usage: types.GenerateContentResponseUsageMetadata) -> None:
    assert isinstance(usage.prompt_token_count, int)
    assert isinstance(usage.total_token_count, int)
    details = usage.candidates_tokens_details or []
    assert all(isinstance(d.modality, types.MediaModality) for d in details)
    assert (usage.candidates_token_count or 0) == sum(d.token_count or 0 for d in details)
    assert usage.prompt_token_count == sum(d.token_count or 0 for d in usage.prompt_tokens_details or [])
    assert usage.total_token_count == (
        usage.prompt_token_count + (usage.candidates_token_count or 0) + (usage.thoughts_token_count or 0)
    )


def test_start_banner_gives_these_exact_client_settings(emulator):
    wanted = f'genai.Client(api_key="any-non-empty-key", http_options={{"base_url": "{emulator.url}"}})'
    for _ in range(100):
        if any(wanted in line for line in emulator.banner):
            break
        time.sleep(0.02)
    assert emulator.banner[0].startswith(f"gemini-image emulator listening on {emulator.url}")
    assert any(wanted in line for line in emulator.banner), emulator.banner


MODELS = [
    ("gemini-2.5-flash-image", "image/png", False),
    ("gemini-2.5-flash-image-preview", "image/png", False),
    ("gemini-3-pro-image", "image/jpeg", True),
    ("gemini-3-pro-image-preview", "image/jpeg", True),
    ("gemini-3.1-flash-image", "image/jpeg", True),
    ("gemini-3.1-flash-image-preview", "image/jpeg", True),
    ("gemini-3.1-flash-lite-image", "image/jpeg", True),
]


@pytest.mark.parametrize("model,mime,thinks", MODELS)
def test_text_to_image_on_each_model(google, model, mime, thinks):
    response = google.models.generate_content(model=model, contents="a lighthouse at dusk")
    blob = final_image(response)
    assert blob.mime_type == mime
    assert image_size(blob.data) == (1024, 1024)
    candidate = response.candidates[0]
    assert candidate.finish_reason == types.FinishReason.STOP
    assert candidate.index == 0
    assert [r.probability for r in candidate.safety_ratings] == [types.HarmProbability.NEGLIGIBLE] * 4
    assert all(isinstance(r.category, types.HarmCategory) for r in candidate.safety_ratings)
    assert response.model_version == model
    assert response.response_id
    assert_usage_adds_up(response.usage_metadata)
    thoughts = [p for p in response.parts if p.thought]
    assert bool(thoughts) == thinks
    if thinks:
        assert response.usage_metadata.thoughts_token_count > 0
        signed = [p for p in response.parts if not p.thought and p.thought_signature]
        assert signed and isinstance(signed[0].thought_signature, bytes)


def test_aspect_ratio_and_image_size(google):
    response = google.models.generate_content(
        model="gemini-3-pro-image-preview",
        contents="a wide valley",
        config=types.GenerateContentConfig(
            image_config=types.ImageConfig(aspect_ratio="16:9", image_size="2K"),
        ),
    )
    assert image_size(final_image(response).data) == (2752, 1536)
    response = google.models.generate_content(
        model="gemini-3.1-flash-image-preview",
        contents="a tall tower",
        config=types.GenerateContentConfig(
            response_modalities=["IMAGE"],
            image_config=types.ImageConfig(aspect_ratio="1:4", image_size="512"),
        ),
    )
    assert image_size(final_image(response).data) == (256, 1032)
    assert not [p for p in response.parts if p.text and not p.thought]


def test_google_rejections_raise_client_errors(google):
    # A lowercase size is rejected as Google does (the SDK passes it through).
    with pytest.raises(errors.ClientError) as e:
        google.models.generate_content(
            model="gemini-3-pro-image-preview",
            contents="x",
            config=types.GenerateContentConfig(image_config=types.ImageConfig(image_size="2k")),
        )
    assert e.value.code == 400 and e.value.status == "INVALID_ARGUMENT"
    assert "Unsupported image_size '2k'" in e.value.message
    with pytest.raises(errors.ClientError) as e:
        google.models.generate_content(
            model="gemini-2.5-flash-image",
            contents="x",
            config=types.GenerateContentConfig(image_config=types.ImageConfig(aspect_ratio="1:4")),
        )
    assert e.value.message == "Aspect ratio 1:4 is not supported for this model"
    # An input type Gemini does not take, and more input images than the model takes.
    png = solid_png(8, 8, (1, 2, 3))
    with pytest.raises(errors.ClientError) as e:
        google.models.generate_content(
            model="gemini-2.5-flash-image",
            contents=[types.Part.from_bytes(data=png, mime_type="image/gif"), "x"],
        )
    assert e.value.message == "Unsupported MIME type: image/gif"
    with pytest.raises(errors.ClientError) as e:
        google.models.generate_content(
            model="gemini-2.5-flash-image",
            contents=[types.Part.from_bytes(data=png, mime_type="image/png")] * 4 + ["x"],
        )
    assert e.value.code == 400 and e.value.message.startswith("Too many input images")
    # Gateway aliases are not Google model ids.
    with pytest.raises(errors.ClientError) as e:
        google.models.generate_content(model="nano-banana-pro", contents="x")
    assert e.value.code == 404 and e.value.status == "NOT_FOUND"


def test_edit_with_an_input_image(google):
    source = solid_png(96, 64, (200, 30, 30))
    response = google.models.generate_content(
        model="gemini-2.5-flash-image",
        contents=[types.Part.from_bytes(data=source, mime_type="image/png"), "make it blue"],
    )
    blob = final_image(response)
    # No ratio given: the accepted ratio closest to the input's (3:2).
    assert image_size(blob.data) == (1248, 832)
    assert response.usage_metadata.prompt_tokens_details[0].modality == types.MediaModality.IMAGE


def test_stream(google):
    chunks = list(
        google.models.generate_content_stream(
            model="gemini-3-pro-image-preview", contents="a streamed fox"
        )
    )
    assert len(chunks) == 4
    assert chunks[0].parts[0].thought and chunks[0].parts[0].text
    assert chunks[1].parts[0].thought and chunks[1].parts[0].inline_data
    assert chunks[2].parts[0].thought_signature
    assert image_size(chunks[2].parts[0].inline_data.data) == (1024, 1024)
    last = chunks[-1]
    assert last.candidates[0].finish_reason == types.FinishReason.STOP
    assert last.parts[0].thought_signature
    assert_usage_adds_up(last.usage_metadata)
    assert {c.response_id for c in chunks} == {chunks[0].response_id}


def test_three_turn_chat_round_trips_signatures(google, emulator):
    chat = google.chats.create(model="gemini-3-pro-image-preview")
    sizes = []
    for message in ["a cozy cabin in the snow", "make it daytime", "add a red sled"]:
        response = chat.send_message(message)
        sizes.append(image_size(final_image(response).data))
    # Each later turn would be a 400 if the SDK had not sent the signatures back.
    history = chat.get_history()
    assert [c.role for c in history] == ["user", "model"] * 3
    model_turns = [c for c in history if c.role == "model"]
    for turn in model_turns:
        assert any(p.thought_signature for p in turn.parts if not p.thought)
    assert sizes == [(1024, 1024)] * 3


@pytest.mark.parametrize(
    "fault,error,status_code,status",
    [
        ("rate_limit", errors.ClientError, 429, "RESOURCE_EXHAUSTED"),
        ("credits", errors.ClientError, 429, "RESOURCE_EXHAUSTED"),
        ("overloaded", errors.ServerError, 503, "UNAVAILABLE"),
        ("internal", errors.ServerError, 500, "INTERNAL"),
        ("deadline", errors.ServerError, 504, "DEADLINE_EXCEEDED"),
        ("html_502", errors.ServerError, 502, "Bad Gateway"),
        ("budget", errors.ClientError, 429, None),
    ],
)
def test_http_error_faults_raise_the_sdk_error(google, fault, error, status_code, status):
    prompt = unique(f"a kite [[fault:{fault}:1]]")
    with pytest.raises(error) as e:
        google.models.generate_content(model="gemini-3-pro-image-preview", contents=prompt)
    assert e.value.code == status_code
    if fault != "html_502":
        assert e.value.status == status
    if fault == "rate_limit":
        details = e.value.details["error"]["details"]
        retry = [d for d in details if d["@type"] == "type.googleapis.com/google.rpc.RetryInfo"]
        assert retry == [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1s"}]
        assert "Please retry in 1s." in e.value.message
    if fault == "budget":
        assert e.value.details["error"]["type"] == "budget_exceeded"
        assert e.value.details["error"]["code"] == "429"
        assert e.value.message.startswith("Budget has been exceeded!")
    # One attempt only: the same prompt now succeeds.
    final_image(google.models.generate_content(model="gemini-3-pro-image-preview", contents=prompt))


def test_http_200_outcomes_parse(google):
    model = "gemini-3-pro-image-preview"
    r = google.models.generate_content(model=model, contents="x [[fault:image_safety]]")
    assert r.candidates[0].finish_reason == types.FinishReason.IMAGE_SAFETY
    assert not r.parts
    assert_usage_adds_up(r.usage_metadata)
    r = google.models.generate_content(model=model, contents="x [[fault:prohibited]]")
    assert r.candidates[0].finish_reason == types.FinishReason.IMAGE_PROHIBITED_CONTENT
    r = google.models.generate_content(model="gemini-2.5-flash-image", contents="x [[fault:no_image]]")
    assert r.candidates[0].finish_reason == types.FinishReason.NO_IMAGE
    r = google.models.generate_content(model=model, contents="x [[fault:blocked]]")
    assert r.candidates is None
    assert r.prompt_feedback.block_reason == types.BlockedReason.PROHIBITED_CONTENT
    assert_usage_adds_up(r.usage_metadata)
    r = google.models.generate_content(model=model, contents="x [[fault:refusal]]")
    assert r.candidates[0].finish_reason == types.FinishReason.STOP
    assert r.text == "I can't create images of that."
    assert_usage_adds_up(r.usage_metadata)


def test_mid_stream_error_raises_with_its_status(google):
    stream = google.models.generate_content_stream(
        model="gemini-3-pro-image-preview", contents=unique("a kite [[fault:stream_error:1]]")
    )
    first = next(stream)
    assert first.parts[0].thought
    with pytest.raises(errors.ServerError) as e:
        next(stream)
    assert e.value.code == 503 and e.value.status == "UNAVAILABLE"


def test_raw_mid_stream_error_line(google):
    # The raw framing (a bare JSON line, no `data:`): google-genai still raises it.
    stream = google.models.generate_content_stream(
        model="gemini-3-pro-image-preview", contents=unique("a kite [[fault:stream_error_raw:1]]")
    )
    assert next(stream).parts[0].thought
    with pytest.raises(errors.ServerError) as e:
        next(stream)
    assert e.value.code == 503


def test_stream_http_error(google):
    with pytest.raises(errors.ClientError) as e:
        for _ in google.models.generate_content_stream(
            model="gemini-2.5-flash-image", contents=unique("a kite [[fault:rate_limit:1]]")
        ):
            pass
    assert e.value.code == 429


def test_model_endpoints(google):
    model = google.models.get(model="gemini-3-pro-image-preview")
    assert model.name == "models/gemini-3-pro-image-preview"
    assert model.input_token_limit == 65536 and model.output_token_limit == 32768
    assert "generateContent" in model.supported_actions
    assert model.thinking is True
    names = [m.name for m in google.models.list()]
    assert "models/gemini-2.5-flash-image" in names
    assert "models/gemini-3.1-flash-image-preview" in names
    counted = google.models.count_tokens(model="gemini-2.5-flash-image", contents="count these tokens")
    assert counted.total_tokens == 5
    with pytest.raises(errors.ClientError) as e:
        google.models.get(model="gemini-9-ultra-image")
    assert e.value.code == 404


def test_gateway_route(gateway, emulator):
    response = gateway.models.generate_content(model="nano-banana-pro", contents="a gateway cat")
    assert image_size(final_image(response).data) == (1024, 1024)
    assert response.model_version == "gemini-3-pro-image"
    with pytest.raises(errors.ClientError) as e:
        gateway.models.generate_content(
            model="gemini-2.5-flash-image", contents=unique("x [[fault:budget:1]]")
        )
    assert e.value.code == 429 and e.value.details["error"]["type"] == "budget_exceeded"
    # google-genai's SSE reader cannot skip the `: keep-alive` comments the gateway route
    # sends by default (see the emulator README): it fails on the first comment line.
    # If a later google-genai learns to skip them, this documents the change.
    with pytest.raises(errors.UnknownApiResponseError, match="keep-alive"):
        list(gateway.models.generate_content_stream(model="nano-banana-pro", contents="a loud stream"))
    # With the comments off on request, the same stream parses.
    quiet = genai.Client(
        api_key=KEY,
        http_options={"base_url": emulator.gateway_url, "headers": {"x-emulator-keepalive": "off"}},
    )
    chunks = list(quiet.models.generate_content_stream(model="nano-banana-pro", contents="a quiet stream"))
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP


def test_configured_by_environment_alone(emulator, monkeypatch):
    # The banner's `or env:` line: no arguments at all.
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", emulator.url)
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    env_client = genai.Client()
    response = env_client.models.generate_content(model="gemini-2.5-flash-image", contents="an env cat")
    assert final_image(response).mime_type == "image/png"
    # The emulator sends finishMessage (checked over raw HTTP in Rust); google-genai drops it.
    blocked = env_client.models.generate_content(
        model="gemini-3-pro-image-preview", contents="x [[fault:image_safety]]"
    )
    assert blocked.candidates[0].finish_message is None

