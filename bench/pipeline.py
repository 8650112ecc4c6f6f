"""Per-execution time of the offline pipeline for a one-page and a ten-page document.

    .venv/bin/python -m bench.pipeline [--runs N] [FILE...]

Without files it times the generated samples; with files (e.g. from ../shared/corpus) it
times those instead.

Each run uploads a fresh (unique) copy so no execution is a duplicate; the first run of
each document is reported separately as the warm-up (model load, first imports).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from docpipe import samples
from docpipe.engine import LocalEngine


def main() -> None:
    """Print per-execution wall time, median and max, per document."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args()
    documents = {path.name: path.read_bytes() for path in args.files} or {
        "1-page invoice PDF": samples.invoice_pdf(),
        "10-page report PDF": samples.report_pdf(),
    }
    print(f"{'document':<28} {'warm-up s':>9} {'median s':>9} {'max s':>7}  runs  branch")
    with LocalEngine() as engine:
        for name, data in documents.items():
            times = []
            branch = ""
            for run in range(args.runs + 1):
                # A trailing comment changes the bytes, so each upload is a new document.
                unique = data + f"\n% run {run}\n".encode()
                start = time.perf_counter()
                upload = engine.upload(unique, f"bench-{run}.pdf")
                outcome = engine.wait(upload.execution_arn)
                times.append(time.perf_counter() - start)
                if outcome.status != "SUCCEEDED":
                    raise SystemExit(f"{name}: {outcome.status} {outcome.error} {outcome.cause}")
                names = {
                    e["stateEnteredEventDetails"]["name"]
                    for e in engine.history(upload.execution_arn)
                    if "stateEnteredEventDetails" in e
                }
                branch = "map" if "Summarize Chunks" in names else "single"
            steady = times[1:]
            print(
                f"{name:<28} {times[0]:>9.2f} {statistics.median(steady):>9.2f} "
                f"{max(steady):>7.2f}  {len(steady):>4}  {branch}"
            )


if __name__ == "__main__":
    main()
