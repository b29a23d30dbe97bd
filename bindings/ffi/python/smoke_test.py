"""Smoke test of the uniffi-generated Python module (not the Python SDK, which is the pyo3
binding in bindings/python): it loads the cdylib, generates against the emulator started
through the binding, and catches typed errors. Run by scripts/test-ffi.sh with the
generated module and the cdylib on PYTHONPATH."""

import os

import gemini_image as ffi

checks = 0


def check(condition, what):
    global checks
    if not condition:
        raise AssertionError(what)
    checks += 1


emulator = ffi.start_emulator(api_key=None)
try:
    client = ffi.GeminiImageClient(
        ffi.ClientConfig(
            api_key="test-key",
            base_url=emulator.gateway_url(),
            model="gemini-2.5-flash-image",
            timeout_seconds=30.0,
            max_retries=0,
        )
    )
    result = client.generate_blocking(
        ffi.ImageRequest(prompt="a red fox", options=ffi.ImageOptions(aspect_ratio="16:9"))
    )
    image = result.images[0]
    check(image.mime_type == "image/png", f"mime type {image.mime_type}")
    check(bytes(image.data[:4]) == b"\x89PNG", "not PNG bytes")
    check((image.width, image.height) == (1344, 768), f"size {image.width}x{image.height}")
    check(result.attempts == 1, f"attempts {result.attempts}")

    try:
        client.generate_blocking(ffi.ImageRequest(prompt="a fox [[fault:image_safety]]"))
        check(False, "no_image was not raised")
    except ffi.GeminiImageError.NoImage as e:
        check(e.kind == "no_image" and e.finish_reason == "IMAGE_SAFETY", f"no_image fields: {e}")

    try:
        client.generate_blocking(ffi.ImageRequest(prompt="a fox [[fault:rate_limit]]"))
        check(False, "rate_limited was not raised")
    except ffi.GeminiImageError.RateLimited as e:
        check(e.http_status == 429 and e.retryable, f"rate_limited fields: {e}")

    try:
        ffi.GeminiImageClient(ffi.ClientConfig(api_key="k", timeout_seconds=-1.0))
        check(False, "a negative timeout was accepted")
    except ffi.GeminiImageError.InvalidRequest as e:
        check(e.field == "timeout_seconds", f"field {e.field}")

    # fromEnv follows the client's rule: a Google key goes to Google, a gateway key to the
    # gateway (the JVM cannot set environment variables, so it is checked here).
    for name in ("THUCCHIEN_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "GEMINI_IMAGE_BASE_URL"):
        os.environ.pop(name, None)
    os.environ["GOOGLE_API_KEY"] = "google-smoke-key"
    google = ffi.GeminiImageClient.from_env()
    check("generativelanguage.googleapis.com" in google.base_url(), f"base {google.base_url()}")
    os.environ["THUCCHIEN_API_KEY"] = "gateway-smoke-key"
    gateway = ffi.GeminiImageClient.from_env()
    check("api.thucchien.ai/gemini" in gateway.base_url(), f"base {gateway.base_url()}")
    for name in ("THUCCHIEN_API_KEY", "GOOGLE_API_KEY"):
        os.environ.pop(name, None)
    try:
        ffi.GeminiImageClient.from_env()
        check(False, "from_env without a key was accepted")
    except ffi.GeminiImageError.InvalidRequest as e:
        check(e.field == "api_key", f"field {e.field}")

    secret = "sk-python-smoke-secret"
    config = ffi.ClientConfig(api_key=secret)
    check(secret not in repr(config) and secret not in str(config), f"the key leaked: {config}")
finally:
    emulator.shutdown()

print(f"python smoke test: {checks} passed, 0 failed")
