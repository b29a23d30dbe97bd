"""The README's Python examples: the offline one runs as written, the fixture example
passes, and every block is there to be type-checked (scripts/test-python.sh runs
mypy --strict on them)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from readme_examples import python_blocks


def test_readme_has_the_examples() -> None:
    blocks = python_blocks()
    assert len(blocks) >= 5
    assert len(blocks[0].strip().splitlines()) == 3  # the three-line offline example


def test_offline_example_runs(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if "API_KEY" not in k}
    out = subprocess.run(
        [sys.executable, "-c", python_blocks()[0]],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    written = Path(out.stdout.strip())
    assert written.name.startswith("lighthouse.") and (tmp_path / written).stat().st_size > 0


def test_fixture_example_passes(tmp_path: Path) -> None:
    example = next(b for b in python_blocks() if "def test_" in b)
    (tmp_path / "test_example.py").write_text(example, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "1 passed" in out.stdout
