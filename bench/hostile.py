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
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from tasks.extract_text.common import ExtractionLimits
from tasks.extract_text.sandbox import extract_measured

HOSTILE_FILES = Path(__file__).resolve().parents[1] / "tests" / "hostile" / "hostile_files.py"


def _hostile_files() -> ModuleType:
    """The suite's module of hostile kinds, loaded from its file (tests/ is no package)."""
    spec = importlib.util.spec_from_file_location("hostile_files", HOSTILE_FILES)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def run(seconds: float, memory_mb: int) -> list[dict[str, Any]]:
    """One dict per kind: family, kind, bytes, outcome, whether it is one the suite expects,
    seconds, and peak MB (0 when the child died before saying)."""
    limits = ExtractionLimits(max_seconds=seconds)
    rows = []
    for kind in _hostile_files().KINDS:
        data = kind.build()
        measured = extract_measured(data, limits, memory_mb * 2**20)
        if measured.result is not None:
            full = measured.result.media_type
        else:
            full = type(measured.error).__name__
        rows.append(
            {
                "family": kind.family,
                "kind": kind.name,
                "bytes": len(data),
                "outcome": full.rsplit("/", 1)[-1],
                "expected": full in kind.outcomes,
                "seconds": measured.seconds,
                "peak_mb": (measured.peak_memory_bytes or 0) // 2**20,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="extraction deadline")
    parser.add_argument("--memory-mb", type=int, default=512, help="memory allowance")
    args = parser.parse_args()
    print("| family | kind | bytes | outcome | s | peak MB |\n|---|---|---|---|---|---|")
    for row in run(args.seconds, args.memory_mb):
        print(
            f"| {row['family']} | {row['kind']} | {row['bytes']:,} | {row['outcome']} | "
            f"{row['seconds']:.2f} | {row['peak_mb']} |"
        )


if __name__ == "__main__":
    main()
