import os
from typing import Iterator

import pytest

from gemini_image.testing import Emulator

# The tests never read a real key from the developer's environment.
for _name in ("THUCCHIEN_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "GEMINI_IMAGE_BASE_URL",
              "GEMINI_IMAGE_MODEL"):
    os.environ.pop(_name, None)


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """One emulator for the session (tests that count requests use their own)."""
    with Emulator() as emu:
        yield emu
