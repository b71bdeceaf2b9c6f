"""Run every benchmark in this folder, one after the other: ``python tests/benchmarks/run.py``.

Extra arguments (``--quick``) are passed to each benchmark that accepts them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failed = 0
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n== {script.stem} ==", flush=True)
        accepts = [a for a in sys.argv[1:] if a in script.read_text()]
        failed += subprocess.run([sys.executable, str(script), *accepts]).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
