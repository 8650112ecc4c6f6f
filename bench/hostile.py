"""Every hostile kind's outcome, time and peak memory through the extraction sandbox.

    .venv/bin/python -m bench.hostile [--seconds 20] [--memory-mb 512]

The kinds are the suite's (tests/hostile/hostile_files.py), each built in memory and run
through `extract_measured`, the path Extract Text takes, with the given deadline and memory
allowance. Prints one Markdown row per kind: family, kind, bytes, outcome (the media type's
subtype, or the error's name), seconds, and the child's peak resident memory in MB (shared
pages of the fork server included; 0 when the child died before saying).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tasks.extract_text.common import ExtractionLimits
from tasks.extract_text.sandbox import extract_measured

HOSTILE = Path(__file__).resolve().parents[1] / "tests" / "hostile"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="extraction deadline")
    parser.add_argument("--memory-mb", type=int, default=512, help="memory allowance")
    args = parser.parse_args()
    sys.path.insert(0, str(HOSTILE))
    from hostile_files import KINDS

    limits = ExtractionLimits(max_seconds=args.seconds)
    print("| family | kind | bytes | outcome | s | peak MB |\n|---|---|---|---|---|---|")
    for kind in KINDS:
        data = kind.build()
        measured = extract_measured(data, limits, args.memory_mb * 2**20)
        if measured.result is not None:
            outcome = measured.result.media_type.rsplit("/", 1)[-1]
        else:
            outcome = type(measured.error).__name__
        peak = (measured.peak_memory_bytes or 0) // 2**20
        print(
            f"| {kind.family} | {kind.name} | {len(data):,} | {outcome} | "
            f"{measured.seconds:.2f} | {peak} |"
        )


if __name__ == "__main__":
    main()
