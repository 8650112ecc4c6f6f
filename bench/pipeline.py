"""Per-execution time of the offline pipeline for a one-page and a ten-page document.

    .venv/bin/python -m bench.pipeline [--runs N] [FILE...]

Without files it times the generated samples; with files (e.g. from ../shared/corpus) it
times those instead.

Each run uploads a fresh (unique) copy so no execution is a duplicate; the first run of
each document is reported separately as the warm-up (model load, first imports).

`run` also returns the engine's overhead per document: the wall time from the upload to the
execution's end (Step Functions' stop date, so the benchmark's own polling is left out)
divided by the time during which a Lambda handler ran (`bench.engine_timing`), the median
over the steady runs, and where the rest went: before the execution started (S3 →
EventBridge → intake queue → starter), between the handlers inside the execution (moto's
interpreter and the service integrations), and after the last handler (Publish Completion,
Release Lease).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

from bench.engine_timing import HandlerClock, busy_seconds, summed_seconds
from docpipe import samples
from docpipe.engine import LocalEngine


def sample_documents() -> dict[str, bytes]:
    """The generated one-page and ten-page PDFs."""
    return {
        "1-page invoice PDF": samples.invoice_pdf(),
        "10-page report PDF": samples.report_pdf(),
    }


def _one_run(
    engine: LocalEngine, clock: HandlerClock, data: bytes, key: str, quietly: bool
) -> tuple[dict[str, float], str]:
    """Run one upload to its end; its times and the branch it took (map or single)."""
    started = time.perf_counter()
    uploaded_at = time.time()
    upload = engine.upload(data, key)
    if quietly:
        outcome = clock.wait(engine, upload.execution_arn)
    else:
        outcome = engine.wait(upload.execution_arn)
    waited = time.perf_counter() - started
    # Until the engine has handled the end, its last handler could run into the next run.
    clock.wait(engine, upload.execution_arn)
    if outcome.status != "SUCCEEDED":
        raise RuntimeError(f"{key}: {outcome.status} {outcome.error} {outcome.cause}")
    described = engine.describe(upload.execution_arn)
    assert described is not None
    execution_start = described["startDate"].timestamp()
    stop = described["stopDate"].timestamp()
    calls = clock.calls(uploaded_at, stop)
    busy = busy_seconds(calls)
    busy_inside = busy_seconds(clock.calls(execution_start, stop))
    busy_before = busy_seconds(clock.calls(uploaded_at, execution_start))
    last_end = max((c.end for c in calls), default=stop)
    names = {
        e["stateEnteredEventDetails"]["name"]
        for e in engine.history(upload.execution_arn)
        if "stateEnteredEventDetails" in e
    }
    wall = stop - uploaded_at
    execution = stop - execution_start
    times = {
        "waited_s": waited,
        "wall_s": wall,
        "handler_s": busy,
        "handler_sum_s": summed_seconds(calls),
        "overhead": wall / busy,
        "execution_s": execution,
        "execution_overhead": execution / busy_inside,
        "intake_s": execution_start - uploaded_at - busy_before,
        "between_s": execution - busy_inside - (stop - last_end),
        "after_last_s": stop - last_end,
    }
    for call in calls:
        times[f"handler:{call.function}"] = times.get(f"handler:{call.function}", 0.0) + (
            call.end - call.start
        )
    return times, "map" if "Summarize Chunks" in names else "single"


def run(documents: dict[str, bytes], runs: int) -> dict[str, Any]:
    """Time each document's executions, one at a time: a warm-up, then `runs` waited for
    with `LocalEngine.wait` (as `docpipe run` waits) and `runs` waited for quietly, taking
    turns.

    Returns {"runs", "provider", "documents": {name: figures}}; a document's figures are the
    warm-up, median and max seconds until `LocalEngine.wait` saw the end (as printed), the
    branch, the medians of the overhead figures of the module docstring over the quiet runs,
    and what waiting with `LocalEngine.wait` costs: `wait_late_s`, how long after the end it
    returns, and `wait_wall_ratio`, the wall time to the end under it divided by the
    wall time waited for quietly.
    """
    clock = HandlerClock()
    out: dict[str, Any] = {"runs": runs, "documents": {}}
    with LocalEngine() as engine:
        out["provider"] = engine.model_provider
        clock.install(engine)
        for name, data in documents.items():
            measured: list[tuple[dict[str, float], bool]] = []
            branch = ""
            for index in range(2 * runs + 1):
                clock.clear()
                quietly = index % 2 == 0  # the warm-up, then every other run
                # A trailing comment changes the bytes, so each upload is a new document.
                unique = data + f"\n% run {index}\n".encode()
                times, branch = _one_run(engine, clock, unique, f"bench-{index}.pdf", quietly)
                measured.append((times, quietly))
            polled = [t for t, quiet in measured[1:] if not quiet]
            quiet = [t for t, quiet in measured[1:] if quiet]
            figures: dict[str, Any] = {
                "warm_up_s": measured[0][0]["waited_s"],
                "median_s": statistics.median(t["waited_s"] for t in polled),
                "max_s": max(t["waited_s"] for t in polled),
                "runs": len(polled),
                "branch": branch,
                "wait_late_s": statistics.median(t["waited_s"] - t["wall_s"] for t in polled),
                "wait_wall_ratio": statistics.median(t["wall_s"] for t in polled)
                / statistics.median(t["wall_s"] for t in quiet),
            }
            for key in sorted({k for t in quiet for k in t} - {"waited_s"}):
                figures[key] = statistics.median(t.get(key, 0.0) for t in quiet)
            out["documents"][name] = figures
    return out


def main() -> None:
    """Print per-execution wall time, median and max, per document."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args()
    documents = {path.name: path.read_bytes() for path in args.files} or sample_documents()
    try:
        figures = run(documents, args.runs)
    except RuntimeError as error:
        raise SystemExit(str(error)) from None
    print(f"{'document':<28} {'warm-up s':>9} {'median s':>9} {'max s':>7}  runs  branch")
    for name, f in figures["documents"].items():
        print(
            f"{name:<28} {f['warm_up_s']:>9.2f} {f['median_s']:>9.2f} "
            f"{f['max_s']:>7.2f}  {f['runs']:>4}  {f['branch']}"
        )


if __name__ == "__main__":
    main()
