"""Starts one `gemini-image emulator --port 0` for the session and hands out clients.

The binary comes from $GEMINI_IMAGE_BIN (scripts/test-compat.sh sets it), else from the
usual cargo target folders of this checkout.
"""

from __future__ import annotations

import glob
import os
import re
import subprocess
import threading
from pathlib import Path
from typing import Iterator

import pytest

REPO = Path(__file__).resolve().parents[3]
KEY = "compat-test-key"


def _binary() -> str:
    env = os.environ.get("GEMINI_IMAGE_BIN")
    if env:
        return env
    found = sorted(
        glob.glob(str(REPO / "target" / "*" / "debug" / "gemini-image"))
        + glob.glob(str(REPO / "target" / "debug" / "gemini-image")),
        key=os.path.getmtime,
    )
    if not found:
        raise RuntimeError(
            "no gemini-image binary: run `cargo build -p gemini-image-cli` or set GEMINI_IMAGE_BIN"
        )
    return found[-1]


class Emulator:
    """A running emulator process; `url` is Google's base URL, `gateway_url` the gateway's."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [_binary(), "emulator", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+", first)
        if not match:
            self.proc.kill()
            raise RuntimeError(f"the emulator did not print its URL: {first!r}")
        self.url = match.group(0)
        self.gateway_url = self.url + "/gemini"
        # Keep draining stdout (the banner) so the pipe never fills.
        self.banner: list[str] = [first]
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.banner.append(line)

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    emu = Emulator()
    try:
        yield emu
    finally:
        emu.stop()
