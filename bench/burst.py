"""A burst of uploads through the offline twin: does the intake lose nothing and pace the model?

    .venv/bin/python -m bench.burst [--documents N] [--cap C] [--latency S] [--throttle P]
                                    [--time-scale F] [--json]

N small, distinct documents are uploaded at once (default 1,000). The whole deployed design
runs: S3 → EventBridge rule → intake queue → starter (event source with batch size and
maximum concurrency, DynamoDB semaphore capped at C) → the real ASL, with the bedrock
provider against the Converse fake, which answers each call after S seconds and throttles
a share P of them (ThrottlingException, retried by the state machine on the engine's
scaled clock). Printed, as text or one JSON object:

- `documents`, `terminal_records` (document items SUCCEEDED, FAILED or SKIPPED_DUPLICATE),
  `duplicates` (executions beyond one per uploaded object version), `dead_letters` by
  error name (pipeline DLQ) and `intake_dead_letters`;
- `max_running` (most executions RUNNING at once, from Step Functions' start and stop
  times) and `cap`; `max_leases` (most leases held,
  sampled every 50 ms); `max_model_calls_in_flight` (the fake's);
- `drain_s` (first upload to last execution end), `ideal_drain_s` (N x model seconds per
  document / cap, the model seconds counted from the fake's successful calls), their ratio,
  and `wall_s`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from docpipe.converse_fake import ENDPOINT_ENV
from docpipe.engine import STATE_MACHINE_ARN, TABLE, LocalEngine

TERMINAL_RECORDS = ("SUCCEEDED", "FAILED", "SKIPPED_DUPLICATE")
WORDS = [
    "budget",
    "meeting",
    "invoice",
    "contract",
    "report",
    "minutes",
    "supplier",
    "delivery",
    "payment",
    "quarter",
    "review",
    "policy",
    "schedule",
    "project",
    "customer",
    "order",
    "warehouse",
    "audit",
    "travel",
    "expense",
    "claim",
    "agenda",
    "board",
    "decision",
    "approval",
    "renewal",
    "notice",
    "tenant",
    "lease",
    "maintenance",
]


def documents(count: int, seed: int = 7) -> list[bytes]:
    """`count` short, distinct plain-text documents (a few sentences each)."""
    rng = random.Random(seed)
    out = []
    for index in range(count):
        sentences = [
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 14))).capitalize() + "."
            for _ in range(rng.randint(4, 8))
        ]
        out.append(f"Note {index}. {' '.join(sentences)}\n".encode())
    return out


def max_overlap(intervals: list[tuple[float, float]]) -> int:
    """The most intervals open at one instant (an end before a start at the same instant)."""
    edges = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    return peak


def seconds(moment: datetime, origin: datetime) -> float:
    """Seconds from `origin` to `moment`."""
    return (moment - origin).total_seconds()


def _executions(engine: LocalEngine) -> list[dict[str, Any]]:
    sfn = engine.client("stepfunctions")
    executions: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"stateMachineArn": STATE_MACHINE_ARN, "maxResults": 1000}
        if token:
            kwargs["nextToken"] = token
        page = sfn.list_executions(**kwargs)
        executions.extend(page["executions"])
        token = page.get("nextToken")
        if not token:
            return executions


def _terminal_records(engine: LocalEngine) -> Counter[str]:
    items = engine.client("dynamodb").scan(TableName=TABLE)["Items"]
    return Counter(
        item["status"]["S"]
        for item in items
        if not item["document_id"]["S"].startswith("sha256:") and "status" in item
    )


@contextlib.contextmanager
def converse_fake_process(latency: float, throttle: float, seed: int) -> Iterator[str]:
    """The Converse fake in a process of its own (so its HTTP threads do not compete with
    the engine for the interpreter lock); yields its endpoint."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "docpipe.converse_fake",
            "--port",
            "0",
            "--latency",
            str(latency),
            "--throttle-rate",
            str(throttle),
            "--seed",
            str(seed),
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        endpoint = first.rsplit(" ", 1)[-1].strip()
        if not endpoint.startswith("http"):
            raise RuntimeError(f"the Converse fake did not start: {first!r}")
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


def fake_json(endpoint: str, name: str, timeout: float = 10) -> Any:
    """GET /_fake/<name> of the Converse fake (stats: its call counts; requests: every
    request it received)."""
    with urllib.request.urlopen(f"{endpoint}/_fake/{name}", timeout=timeout) as response:
        return json.loads(response.read())


def fake_stats(endpoint: str) -> dict[str, int]:
    """The fake's call counts (GET /_fake/stats)."""
    stats: dict[str, int] = fake_json(endpoint, "stats")
    return stats


def run(
    count: int, cap: int, latency: float, throttle: float, time_scale: float, timeout: float
) -> dict[str, Any]:
    """Run the burst and measure it."""
    wall_start = time.perf_counter()
    cpu_start = time.process_time()
    bodies = documents(count)
    with (
        converse_fake_process(latency, throttle, seed=11) as endpoint,
        LocalEngine(
            model_provider="bedrock",
            time_scale=time_scale,
            max_concurrent_documents=cap,
            extra_env={ENDPOINT_ENV: endpoint},
            log_level="ERROR",
        ) as engine,
    ):
        semaphore = engine.semaphore()
        peak_leases = 0
        stop = threading.Event()

        def sample() -> None:
            nonlocal peak_leases
            while not stop.wait(0.05):
                peak_leases = max(peak_leases, semaphore.running())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        first_upload = datetime.now().astimezone()
        drain_start = time.perf_counter()
        uploads = [engine.upload(body, f"burst/note-{i:05d}.txt") for i, body in enumerate(bodies)]
        deadline = time.monotonic() + timeout
        for upload in uploads:
            engine.wait(upload.execution_arn, max(1.0, deadline - time.monotonic()))
        drain_s = time.perf_counter() - drain_start
        stop.set()
        sampler.join()
        engine.settle()
        executions = _executions(engine)
        to_stop = [
            (seconds(e["startDate"], first_upload), seconds(e["stopDate"], first_upload))
            for e in executions
            if e.get("stopDate")
        ]
        records = _terminal_records(engine)
        dead = Counter(letter["body"]["error"]["Error"] for letter in engine.dead_letters())
        intake_dead = len(list(engine._drain(engine.intake_dlq_url)))
        stats = fake_stats(endpoint)
    model_seconds = stats["successes"] * latency / count
    ideal = count * model_seconds / cap
    return {
        "documents": count,
        "terminal_records": sum(records[s] for s in TERMINAL_RECORDS),
        "records_by_status": dict(records),
        "duplicates": len(executions) - len({e["name"] for e in executions}),
        "executions": len(executions),
        "dead_letters": dict(dead),
        "intake_dead_letters": intake_dead,
        "max_running": max_overlap(to_stop),
        "mean_running": round(sum(end - start for start, end in to_stop) / drain_s, 2),
        "cap": cap,
        "max_leases": peak_leases,
        "max_model_calls_in_flight": stats["max_in_flight"],
        "model_calls": stats["calls"],
        "model_throttled": stats["throttled"],
        "model_seconds_per_document": round(model_seconds, 3),
        "drain_s": round(drain_s, 1),
        "ideal_drain_s": round(ideal, 1),
        "drain_ratio": round(drain_s / ideal, 3) if ideal else None,
        "latency_s": latency,
        "throttle_rate": throttle,
        "time_scale": time_scale,
        "wall_s": round(time.perf_counter() - wall_start, 1),
        # CPU of this process (the engine, the tasks, moto); the fake runs in its own.
        "cpu_s": round(time.process_time() - cpu_start, 1),
    }


def main() -> None:
    """Parse the options, run the burst, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--cap", type=int, default=8, help="running documents (8)")
    parser.add_argument("--latency", type=float, default=3.0, help="seconds per model call (3)")
    parser.add_argument("--throttle", type=float, default=0.3, help="share of calls throttled")
    parser.add_argument(
        "--time-scale", type=float, default=0.01, help="retry and wait time scale (0.01)"
    )
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    # The handlers log to stdout (as on Lambda); stdout holds only the figures here.
    with contextlib.redirect_stdout(sys.stderr):
        figures = run(
            args.documents, args.cap, args.latency, args.throttle, args.time_scale, args.timeout
        )
    if args.json:
        print(json.dumps(figures))
        return
    width = max(len(k) for k in figures)
    for name, value in figures.items():
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
