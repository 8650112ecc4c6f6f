"""`docpipe backfill`: feed objects already in the documents bucket through the intake.

An upload starts its document through the S3 event; an object that was there before the
pipeline (or whose event was lost) has none. The backfill state machine
(statemachines/backfill.asl.json) lists a prefix with a Distributed Map and sends each
object to the intake queue as the "Object Created" event its upload would have sent, with
its current version from HeadObject. So the intake admits backfilled documents under the
same cap as uploads, and names each execution by key and version: an object already
processed, or listed twice, starts nothing new.

Offline (`docpipe backfill FOLDER`), the twin's bucket lives for one command, so the folder
plays the prefix: its files are put under `backfill/` (outside incoming/, so their uploads
start nothing), the same state machine runs over that prefix on the twin, and the command
waits for every document, as `docpipe run` does. On AWS (`docpipe backfill
s3://BUCKET/PREFIX --aws`) it starts the deployed backfill state machine and follows its
map run until every object is sent; the documents then go on at the intake's pace.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from docpipe.engine import BACKFILL_PREFIX, LocalEngine, Upload, backfill_name
from docpipe.errors import UsageError
from docpipe.results import parse_s3_url
from docpipe.runner import InputFile, collect_results

# How often the AWS variant asks for the map run's counts.
AWS_POLL_SECONDS = 5.0
# Map run item counts, as DescribeMapRun names them.
COUNTS = ("pending", "running", "succeeded", "failed", "timedOut", "aborted", "total")


@dataclass(frozen=True)
class BackfillRun:
    """The backfill execution: its ARN, status, error and its map run's item counts."""

    execution_arn: str
    status: str
    error: str | None
    items: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def map_run_items(sfn: Any, execution_arn: str) -> dict[str, int]:
    """The item counts of the execution's map run (all zero before it has one)."""
    runs = sfn.list_map_runs(executionArn=execution_arn).get("mapRuns", [])
    if not runs:
        return dict.fromkeys(COUNTS, 0)
    counts = sfn.describe_map_run(mapRunArn=runs[0]["mapRunArn"]).get("itemCounts", {})
    return {name: int(counts.get(name, 0)) for name in COUNTS}


def _finished(sfn: Any, execution_arn: str) -> BackfillRun:
    described = sfn.describe_execution(executionArn=execution_arn)
    return BackfillRun(
        execution_arn,
        str(described["status"]),
        described.get("error"),
        map_run_items(sfn, execution_arn),
    )


def backfill_folder(
    engine: LocalEngine,
    files: Sequence[InputFile],
    *,
    timeout: float = 900.0,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[BackfillRun, list[dict[str, Any]]]:
    """Offline: put `files` in the twin's bucket under backfill/ as objects that were there
    before, run the backfill over that prefix, and wait for every document. Returns the
    backfill's run and each file's result (`docpipe run`'s shape), in input order."""
    deadline = time.monotonic() + timeout
    uploads: dict[int, Upload] = {
        index: engine.put_existing(file.path.read_bytes(), BACKFILL_PREFIX + file.key, file.path)
        for index, file in enumerate(files)
    }
    arn = engine.start_backfill(BACKFILL_PREFIX)
    engine.wait(arn, max(0.0, deadline - time.monotonic()))
    run = _finished(engine.client("stepfunctions"), arn)
    results = collect_results(
        engine, files, uploads, deadline=deadline, timeout=timeout, on_result=on_result
    )
    return run, results


def backfill_deployed(
    stack: Any,
    url: str,
    *,
    on_progress: Callable[[dict[str, int]], None] | None = None,
    poll_seconds: float = AWS_POLL_SECONDS,
) -> BackfillRun:
    """On AWS: start the stack's backfill state machine over `s3://BUCKET/PREFIX` (BUCKET
    must be the stack's documents bucket) and follow its map run until it ends."""
    from docpipe.aws import BACKFILL_STATE_MACHINE, BUCKET

    bucket, prefix = parse_s3_url(url, prefix=True)
    if bucket != stack.output(BUCKET):
        raise UsageError(
            f"{bucket} is not the stack's documents bucket ({stack.output(BUCKET)}): the "
            "pipeline reads only that bucket; copy the objects under a prefix there "
            "outside the incoming prefix (aws s3 sync), then backfill that prefix"
        )
    sfn = stack.client("stepfunctions")
    started = sfn.start_execution(
        stateMachineArn=stack.output(BACKFILL_STATE_MACHINE),
        name=backfill_name(),
        input=json.dumps({"prefix": prefix}),
    )
    arn = str(started["executionArn"])
    while True:
        time.sleep(poll_seconds)  # the map run is there once the execution has begun
        if sfn.describe_execution(executionArn=arn)["status"] != "RUNNING":
            return _finished(sfn, arn)
        if on_progress is not None:
            on_progress(map_run_items(sfn, arn))
