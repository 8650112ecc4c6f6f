"""Documents per second through the offline twin with an instant model.

    .venv/bin/python -m bench.throughput [--documents 40] [--sequential 10] [--cap 4]

The bedrock provider runs against the Converse fake with no latency (in a process of its
own, as in bench.burst), so the model costs nothing and what is measured is the pipeline:
the handlers and the engine around them. Distinct one-page invoice PDFs go through, first
`--sequential` of them one at a time, then `--documents` uploaded at once with the
running-documents cap `--cap`, in the same engine. Printed for each phase: documents per
second (documents / their seconds: one at a time, each document's upload to execution end,
added up; at once, the first upload to the last end), handler seconds per document, the
share of that time during which some handler ran, the mean number of handlers running and
of executions running (between their start and stop dates); and the speed-up of the burst
over one at a time.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from typing import Any

from bench.burst import converse_fake_process
from bench.engine_timing import HandlerClock, busy_seconds, summed_seconds
from docpipe import samples
from docpipe.converse_fake import ENDPOINT_ENV
from docpipe.engine import DEFAULT_MAX_CONCURRENT_DOCUMENTS, LocalEngine
from infra.config import DEFAULT_MODEL_ID


def _phase(
    engine: LocalEngine, clock: HandlerClock, bodies: list[bytes], prefix: str, at_once: bool
) -> dict[str, Any]:
    """Run `bodies` one at a time or all at once; their figures.

    One at a time, the time counted is each document's own, upload to execution end,
    added up (the benchmark's wait between documents left out); all at once, it is the first
    upload to the last end.
    """
    clock.clear()
    windows: list[tuple[float, str]] = []
    for index, body in enumerate(bodies):
        uploaded_at = time.time()
        windows.append(
            (uploaded_at, engine.upload(body, f"{prefix}/invoice-{index:04d}.pdf").execution_arn)
        )
        if not at_once:
            _wait_ok(engine, clock, windows[-1][1])
    for _, arn in windows:
        _wait_ok(engine, clock, arn)
    dates = [_dates(engine, arn) for _, arn in windows]
    running = sum(stop - start for start, stop in dates)
    spans = [
        (uploaded_at, stop) for (uploaded_at, _), (_, stop) in zip(windows, dates, strict=True)
    ]
    if at_once:
        spans = [(spans[0][0], max(stop for _, stop in spans))]
    seconds = sum(stop - start for start, stop in spans)
    calls = [call for start, stop in spans for call in clock.calls(start, stop)]
    return {
        "documents": len(bodies),
        "drain_s": seconds,
        "documents_per_s": len(bodies) / seconds,
        "handler_s_per_document": summed_seconds(calls) / len(bodies),
        "handler_busy_share": busy_seconds(calls) / seconds,
        "mean_handlers_running": summed_seconds(calls) / seconds,
        "mean_executions_running": running / seconds,
    }


def _wait_ok(engine: LocalEngine, clock: HandlerClock, arn: str) -> None:
    outcome = clock.wait(engine, arn)
    if outcome.status != "SUCCEEDED":
        raise RuntimeError(f"{arn}: {outcome.status} {outcome.error} {outcome.cause}")


def _dates(engine: LocalEngine, arn: str) -> tuple[float, float]:
    """The execution's start and stop dates (epoch s)."""
    described = engine.describe(arn)
    assert described is not None
    return described["startDate"].timestamp(), described["stopDate"].timestamp()


def run(documents: int = 40, sequential: int = 10, cap: int | None = None) -> dict[str, Any]:
    """Both phases (see the module docstring) and the burst's speed-up."""
    cap = cap or DEFAULT_MAX_CONCURRENT_DOCUMENTS
    invoice = samples.invoice_pdf()
    # A trailing comment makes each copy a distinct document (no duplicate skipped).
    bodies = [invoice + f"\n% copy {i}\n".encode() for i in range(1 + sequential + documents)]
    clock = HandlerClock()
    with (
        converse_fake_process(latency=0.0, throttle=0.0, seed=1) as endpoint,
        LocalEngine(
            model_provider="bedrock",
            max_concurrent_documents=cap,
            extra_env={ENDPOINT_ENV: endpoint, "DOCPIPE_MODEL_ID": DEFAULT_MODEL_ID},
            log_level="ERROR",
        ) as engine,
    ):
        clock.install(engine)
        _phase(engine, clock, bodies[:1], "warm-up", at_once=False)
        one_at_a_time = _phase(engine, clock, bodies[1 : 1 + sequential], "one", at_once=False)
        burst = _phase(engine, clock, bodies[1 + sequential :], "burst", at_once=True)
    return {
        "document": "1-page invoice PDF",
        "model": DEFAULT_MODEL_ID,
        "cap": cap,
        "one_at_a_time": one_at_a_time,
        "at_once": burst,
        "speed_up": burst["documents_per_s"] / one_at_a_time["documents_per_s"],
    }


def main() -> None:
    """Run both phases and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=40)
    parser.add_argument("--sequential", type=int, default=10)
    parser.add_argument("--cap", type=int, default=DEFAULT_MAX_CONCURRENT_DOCUMENTS)
    args = parser.parse_args()
    # The handlers log to stdout (as on Lambda); stdout holds only the figures here.
    with contextlib.redirect_stdout(sys.stderr):
        try:
            figures = run(args.documents, args.sequential, args.cap)
        except RuntimeError as error:
            raise SystemExit(str(error)) from None
    print(
        f"{'phase':<14} {'docs':>5} {'docs/s':>7} {'handler s/doc':>13} {'busy':>5} "
        f"{'handlers':>8} {'executions':>10}"
    )
    for phase in ("one_at_a_time", "at_once"):
        f = figures[phase]
        print(
            f"{phase:<14} {f['documents']:>5} {f['documents_per_s']:>7.2f} "
            f"{f['handler_s_per_document']:>13.3f} {f['handler_busy_share']:>5.2f} "
            f"{f['mean_handlers_running']:>8.2f} {f['mean_executions_running']:>10.2f}"
        )
    print(f"speed-up of the burst over one at a time: {figures['speed_up']:.2f}x")


if __name__ == "__main__":
    main()
