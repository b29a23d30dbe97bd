"""Smoke test for an installed wheel (run by scripts/test-python.sh in a fresh virtualenv
whose PATH has no cargo): generate against the emulator and catch a typed error."""

import sys

import gemini_image
from gemini_image.testing import Emulator

assert "site-packages" in gemini_image.__file__, gemini_image.__file__

with Emulator() as emu:
    client = gemini_image.Client(api_key="test-key", base_url=emu.gateway_url,
                                 model="gemini-2.5-flash-image")
    result = client.generate("a red fox in the snow")
    image = result.image
    assert image is not None and image.mime_type == "image/png", result
    assert image.data[:8] == b"\x89PNG\r\n\x1a\n"
    try:
        client.generate("a fox [[fault:image_safety]]")
    except gemini_image.NoImageError as err:
        assert err.kind == "no_image" and err.finish_reason == "IMAGE_SAFETY", repr(err)
    else:
        sys.exit("expected NoImageError")
    try:
        gemini_image.Client(api_key="test-key", base_url=emu.gateway_url, max_retries=0).generate(
            "x [[fault:rate_limit]]"
        )
    except gemini_image.RateLimitError as err:
        assert err.retryable and err.status_code == 429, repr(err)
    else:
        sys.exit("expected RateLimitError")
    print(f"wheel smoke test ok: {image!r}, {emu.request_count} requests")
