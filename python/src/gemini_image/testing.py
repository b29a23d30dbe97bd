"""Test your own code offline: the Rust emulator, in-process, plus pytest fixtures.

::

    from gemini_image.testing import Emulator

    with Emulator() as emu:
        client = emu.client()               # or Client(api_key="test", base_url=emu.gateway_url)
        image = client.generate("a red fox").image

Faults on demand: put ``[[fault:rate_limit]]`` (``overloaded``, ``image_safety``,
``refusal``, ``drop``, ``slow``...) in a prompt; ``[[fault:NAME:N]]`` fails only the first
N tries; ``[[bytes:8m]]`` makes a large image.

pytest: installing gemini-image registers this module as a plugin, giving the fixtures
``gemini_image_emulator`` (a running emulator), ``gemini_image_client`` (a ``Client``
pointed at it) and ``gemini_image_env`` (the environment variables set so that
``gemini_image.Client()`` in the code under test talks to the emulator).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Optional

from . import _native

if TYPE_CHECKING:
    from ._async import AsyncClient
    from ._client import Client

__all__ = ["Emulator", "gemini_image_emulator", "gemini_image_client", "gemini_image_env"]

#: The key the fixtures use (the emulator accepts any non-empty key by default).
TEST_API_KEY = "test-key"


class Emulator:
    """The offline Gemini-compatible server on a free loopback port (started at once).

    Attributes:
        base_url: Google-style routes (``http://127.0.0.1:PORT``).
        gateway_url: the gateway's routes (``http://127.0.0.1:PORT/gemini``).
        request_count: generate requests served so far.

    ``cache_bytes`` bounds the memory of the emulator's image cache (default 512 MiB,
    one entry per distinct prompt and size; ``0`` keeps only the latest), for long test
    sessions with many distinct prompts.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        api_key: Optional[str] = None,
        latency: float = 0.0,
        faults: bool = True,
        cache_bytes: Optional[int] = None,
    ) -> None:
        self._native = _native.NativeEmulator(
            port=port,
            api_key=api_key,
            latency=float(latency),
            faults=faults,
            cache_bytes=cache_bytes,
        )

    @property
    def base_url(self) -> str:
        url: str = self._native.base_url
        return url

    @property
    def gateway_url(self) -> str:
        url: str = self._native.gateway_url
        return url

    @property
    def request_count(self) -> int:
        count: int = self._native.request_count
        return count

    @property
    def running(self) -> bool:
        running: bool = self._native.running
        return running

    def prompt_count(self, prompt: str) -> int:
        """Requests served whose prompt was exactly ``prompt``."""
        count: int = self._native.prompt_count(prompt)
        return count

    def client(self, **kwargs: Any) -> "Client":
        """A :class:`gemini_image.Client` pointed at this emulator."""
        from ._client import Client

        kwargs.setdefault("api_key", TEST_API_KEY)
        kwargs.setdefault("base_url", self.gateway_url)
        return Client(**kwargs)

    def async_client(self, **kwargs: Any) -> "AsyncClient":
        """A :class:`gemini_image.AsyncClient` pointed at this emulator."""
        from ._async import AsyncClient

        kwargs.setdefault("api_key", TEST_API_KEY)
        kwargs.setdefault("base_url", self.gateway_url)
        return AsyncClient(**kwargs)

    def close(self) -> None:
        """Stops the server (idempotent)."""
        self._native.shutdown()

    def __enter__(self) -> "Emulator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Emulator(base_url={self.base_url!r}, running={self.running})"


try:
    import pytest
except ImportError:  # pragma: no cover - pytest is optional
    pass
else:

    @pytest.fixture
    def gemini_image_emulator() -> Iterator[Emulator]:
        """A running emulator, stopped after the test."""
        with Emulator() as emulator:
            yield emulator

    @pytest.fixture
    def gemini_image_client(gemini_image_emulator: Emulator) -> "Client":
        """A Client pointed at ``gemini_image_emulator``."""
        return gemini_image_emulator.client()

    @pytest.fixture
    def gemini_image_env(
        gemini_image_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
    ) -> Emulator:
        """Sets ``THUCCHIEN_API_KEY`` and ``GEMINI_IMAGE_BASE_URL`` so that a plain
        ``gemini_image.Client()`` in the code under test uses the emulator."""
        monkeypatch.setenv("THUCCHIEN_API_KEY", TEST_API_KEY)
        monkeypatch.delenv("GEMINI_API_KEY", raising=False)
        monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
        monkeypatch.setenv("GEMINI_IMAGE_BASE_URL", gemini_image_emulator.gateway_url)
        return gemini_image_emulator
