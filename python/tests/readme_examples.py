"""Extracts the ```python blocks of the repository README's "Python" section (the
three-line offline example) and of python/README.md (the whole API) into files (for
`mypy --strict` in scripts/test-python.sh, and for test_readme.py)."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PACKAGE_README = ROOT / "python" / "README.md"


def python_blocks() -> List[str]:
    """The root README's Python blocks first (the offline example), then the package's."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    package = PACKAGE_README.read_text(encoding="utf-8")
    return [
        block
        for source in (section, package)
        for block in re.findall(r"```python\n(.*?)```", source, flags=re.S)
    ]


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
