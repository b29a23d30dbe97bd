"""Extracts the ```python blocks of the README's "Python" section into files (for
`mypy --strict` in scripts/test-python.sh, and for test_readme.py)."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import List

README = Path(__file__).resolve().parents[2] / "README.md"


def python_blocks() -> List[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def write(out_dir: Path) -> List[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, block in enumerate(python_blocks()):
        path = out_dir / f"readme_example_{i}.py"
        path.write_text(block, encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in write(Path(sys.argv[1])):
        print(p)
