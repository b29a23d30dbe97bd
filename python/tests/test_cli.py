"""The `gemini-image` command that `pip install` puts on PATH (the Rust CLI, run through
the native module)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gemini_image.testing import Emulator

BIN = Path(sys.executable).parent / "gemini-image"


def run(*args: str, cwd: Path, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if "API_KEY" not in k and k != "GEMINI_IMAGE_BASE_URL"}
    env.update(env_extra or {})
    return subprocess.run(
        [str(BIN), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_command_is_installed() -> None:
    assert BIN.exists(), f"{BIN} missing: the package's [project.scripts] entry"
    assert shutil.which("gemini-image", path=str(BIN.parent)) is not None


def test_version_and_help(tmp_path: Path) -> None:
    version = run("--version", cwd=tmp_path)
    assert version.returncode == 0 and "gemini-image" in version.stdout
    help = run("--help", cwd=tmp_path)
    assert help.returncode == 0 and "generate" in help.stdout


def test_generate_with_the_in_process_emulator(tmp_path: Path) -> None:
    out = run("generate", "a lighthouse at dusk", "--emulator", "-o", "light", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    files = list(tmp_path.glob("light*"))
    assert len(files) == 1 and files[0].stat().st_size > 0


def test_generate_against_an_emulator_from_python(tmp_path: Path) -> None:
    with Emulator() as emu:
        out = run(
            "generate", "a red fox", "-o", "fox", "--model", "gemini-2.5-flash-image",
            cwd=tmp_path,
            env_extra={"THUCCHIEN_API_KEY": "test-key", "GEMINI_IMAGE_BASE_URL": emu.gateway_url},
        )
        assert out.returncode == 0, out.stderr
        assert (tmp_path / "fox.png").stat().st_size > 0 and emu.request_count == 1


def test_usage_error_exit_code_and_no_image_exit_code(tmp_path: Path) -> None:
    usage = run("generate", "--no-such-flag", cwd=tmp_path)
    assert usage.returncode == 2 and usage.stderr
    refused = run("generate", "x [[fault:image_safety]]", "--emulator", cwd=tmp_path)
    assert refused.returncode not in (0, 2) and "IMAGE_SAFETY" in refused.stderr


def test_main_is_callable_in_process(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    from gemini_image import _cli

    with pytest.raises(SystemExit) as exit_info:
        _cli.main(["--version"])
    assert exit_info.value.code == 0
    assert "gemini-image" in capfd.readouterr().out
