"""The ``gemini-image`` command installed by pip: the same CLI as the Rust binary."""

from __future__ import annotations

import signal
import sys
from typing import List, Optional

from . import _native


def main(argv: Optional[List[str]] = None) -> None:
    """Runs ``gemini-image`` with ``argv`` (default: the process's arguments) and exits
    with its exit code."""
    if argv is None:
        # The console script: Ctrl-C ends the command at once, as it does for the native
        # binary (Python's own handler would only run after the blocking call returns).
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    args = list(sys.argv[1:] if argv is None else argv)
    sys.stdout.flush()
    sys.exit(_native.run_cli(["gemini-image", *args]))


if __name__ == "__main__":
    main()
