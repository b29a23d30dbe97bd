"""Soak from Python: many generate calls through threads and asyncio against the emulator
with ~10 % injected faults (429 with RetryInfo, 503, dropped connections, slow bodies, and
a non-retryable budget error). Every prompt ends exactly once, with an image or a typed
error; resident memory stays flat; the key is in no output.

The call count is ``GEMINI_IMAGE_SOAK_CALLS`` (default 100, what CI runs; the figures in
docs/reliability.md come from 2000)."""

import asyncio
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Tuple, Union

import pytest

import gemini_image
from gemini_image.testing import Emulator

KEY = "sk-PY-SOAK-KEY-0123456789abcdef"
CALLS = int(os.environ.get("GEMINI_IMAGE_SOAK_CALLS", "100"))
MODEL = "gemini-2.5-flash-image"

# One prompt in ten carries a fault, in a fixed rotation (reproducible).
FAULTS = [
    ("[[fault:rate_limit:1]]", True),
    ("[[fault:overloaded:1]]", True),
    ("[[fault:drop:1]]", True),
    ("[[fault:slow_body]] [[delay:150]]", True),
    ("[[fault:budget]]", False),
]

Outcome = Union[gemini_image.GenerateResponse, gemini_image.GeminiImageError]


def summarize(outcome: Outcome) -> str:
    """What the checks need of an outcome, so the test itself keeps no image alive (the
    RSS samples then measure the SDK): "png" for an image, else the error's class name."""
    assert KEY not in repr(outcome) and KEY not in str(outcome)
    if isinstance(outcome, gemini_image.GenerateResponse):
        image = outcome.image
        return "png" if image is not None and image.data[:4] == b"\x89PNG" else repr(outcome)
    return type(outcome).__name__


def prompts(run: str) -> List[Tuple[str, bool]]:
    """(prompt, expects an image) for every call; each prompt is unique."""
    out = []
    for i in range(CALLS):
        if i % 10 == 7:
            marker, ok = FAULTS[(i // 10) % len(FAULTS)]
            out.append((f"{run} soak {i} {marker}", ok))
        else:
            out.append((f"{run} soak {i}", True))
    return out


def rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


def check(run: str, expected: List[Tuple[str, bool]], outcomes: Dict[str, str],
          samples: List[int], logs: str) -> None:
    assert sorted(outcomes) == sorted(p for p, _ in expected), "a prompt is missing or extra"
    for prompt, wants_image in expected:
        want = "png" if wants_image else "QuotaExhaustedError"
        assert outcomes[prompt] == want, f"{prompt}: {outcomes[prompt]}"
    assert KEY not in logs
    # Flat memory: the second half of the run may not grow by more than a generous
    # constant (growth proportional to the calls would be MBs per hundred calls).
    half, end = samples[len(samples) // 2], samples[-1]
    assert end - half < 24 * 1024, f"{run}: RSS grew {half} -> {end} KiB over the second half"
    print(f"{run}: {CALLS} calls, RSS KiB at quarters {samples}")


def test_threads_16(caplog: pytest.LogCaptureFixture) -> None:
    expected = prompts("threads")
    outcomes: Dict[str, str] = {}
    samples: List[int] = []
    with Emulator(api_key=KEY, cache_bytes=0) as emu, caplog.at_level(logging.INFO, logger="gemini_image"):
        client = emu.client(api_key=KEY, timeout=10.0, max_retries=2, model=MODEL)

        def one(prompt: str) -> Tuple[str, Outcome]:
            try:
                return prompt, client.generate(prompt)
            except gemini_image.GeminiImageError as err:
                return prompt, err

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=16) as pool:
            for done, (prompt, outcome) in enumerate(pool.map(one, [p for p, _ in expected]), 1):
                assert prompt not in outcomes, f"{prompt} ended twice"
                outcomes[prompt] = summarize(outcome)
                if done % max(1, CALLS // 4) == 0:
                    samples.append(rss_kib())
        elapsed = time.monotonic() - started
        print(f"threads: {elapsed:.1f} s, {emu.request_count} requests served")
    check("threads", expected, outcomes, samples or [rss_kib()], caplog.text)


def test_asyncio_50(caplog: pytest.LogCaptureFixture) -> None:
    expected = prompts("asyncio")
    outcomes: Dict[str, str] = {}
    samples: List[int] = []

    async def run(emu: Emulator) -> None:
        client = emu.async_client(api_key=KEY, timeout=10.0, max_retries=2, model=MODEL)
        limit = asyncio.Semaphore(50)
        done = 0

        async def one(prompt: str) -> None:
            nonlocal done
            async with limit:
                try:
                    outcome: Outcome = await client.generate(prompt)
                except gemini_image.GeminiImageError as err:
                    outcome = err
            assert prompt not in outcomes, f"{prompt} ended twice"
            outcomes[prompt] = summarize(outcome)
            done += 1
            if done % max(1, CALLS // 4) == 0:
                samples.append(rss_kib())

        await asyncio.gather(*(one(p) for p, _ in expected))

    with Emulator(api_key=KEY, cache_bytes=0) as emu, caplog.at_level(
        logging.INFO, logger="gemini_image"
    ):
        started = time.monotonic()
        asyncio.run(run(emu))
        print(f"asyncio: {time.monotonic() - started:.1f} s, {emu.request_count} requests served")
    check("asyncio", expected, outcomes, samples or [rss_kib()], caplog.text)
