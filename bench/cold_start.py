"""Cold-start import time of each Lambda handler, measured offline.

    .venv/bin/python -m bench.cold_start [--runs N]

A Lambda's cold start pays for importing its handler module (and all it imports) before
the first event. Each handler module is imported in a fresh interpreter, N times, in turns
with a baseline import of boto3 alone (which every function imports, and which the Lambda
runtime ships): the figure is the median import time and its ratio to boto3's, measured in
the same run. It also lists the third-party top-level packages the import loaded, which is
what the function's bundle must carry (issue 14: lean per-function bundles).

Run from the project root; no AWS call is made (settings come from dummy environment values,
as the functions get theirs from the stack).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from typing import Any

from bench.report import ROOT
from tasks.catalog import INTAKE_FUNCTIONS, TASK_FUNCTIONS

BASELINE = "boto3"
DEFAULT_RUNS = 5

# Printed by the child: seconds to import the module, and the top-level modules it added.
_PROBE = """
import json, sys, time
before = set(sys.modules)
started = time.perf_counter()
__import__(sys.argv[1])
seconds = time.perf_counter() - started
added = sorted({name.split(".")[0] for name in set(sys.modules) - before})
print(json.dumps({"seconds": seconds, "modules": added}))
"""

# Modules of the standard library, the project itself, and what the Lambda runtime ships.
_NOT_BUNDLED = {
    *("tasks", "boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3"),
    "cython_runtime",  # an interpreter-level module Cython extensions register
}


def _environment() -> dict[str, str]:
    """What a function's settings read at import, with dummy values (nothing is called)."""
    return {
        **os.environ,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "cold-start",
        "AWS_SECRET_ACCESS_KEY": "cold-start",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "docpipe",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def import_once(module: str) -> dict[str, Any]:
    """Import `module` in a fresh interpreter: {"seconds", "modules"}."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, module],
        cwd=ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def third_party(modules: list[str]) -> list[str]:
    """The top-level packages a bundle must carry: not the standard library, the project,
    or what the runtime has."""
    standard = set(sys.stdlib_module_names)
    return [
        m for m in modules if m not in standard and m not in _NOT_BUNDLED and not m.startswith("_")
    ]


def run(runs: int = DEFAULT_RUNS) -> dict[str, Any]:
    """Each handler's median import time and its ratio to boto3's, taken in turns."""
    handlers = {
        function.package: f"tasks.{function.package}.handler"
        for function in (*TASK_FUNCTIONS, *INTAKE_FUNCTIONS)
    }
    times: dict[str, list[float]] = {name: [] for name in [BASELINE, *handlers]}
    loaded: dict[str, list[str]] = {}
    for _ in range(runs):
        times[BASELINE].append(import_once(BASELINE)["seconds"])
        for name, module in handlers.items():
            answer = import_once(module)
            times[name].append(answer["seconds"])
            loaded[name] = third_party(answer["modules"])
    baseline = statistics.median(times[BASELINE])
    rows = [
        {
            "function": name,
            "import_s": statistics.median(times[name]),
            "ratio": statistics.median(times[name]) / baseline,
            "packages": loaded[name],
        }
        for name in handlers
    ]
    return {"runs": runs, "baseline": BASELINE, "baseline_s": baseline, "rows": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS)
    figures = run(parser.parse_args(argv).runs)
    print(f"{BASELINE} alone: {figures['baseline_s']:.3f} s (median of {figures['runs']})")
    for row in figures["rows"]:
        print(
            f"{row['function']:18} {row['import_s']:.3f} s  {row['ratio']:.2f}x  "
            f"{', '.join(row['packages']) or '-'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
