"""`docpipe run`: upload files, let the intake start their executions, collect the outcomes."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docpipe.engine import (
    BUCKET,
    TABLE,
    WAIT_FALLBACK_POLL_SECONDS,
    ExecutionOutcome,
    LocalEngine,
    Upload,
)
from docpipe.errors import UsageError
from docpipe.state import StateDirectory
from tasks.shared.execution_names import STOPPED_ERRORS


@dataclass(frozen=True)
class InputFile:
    """A file to process and the key it is uploaded under (below incoming/)."""

    path: Path
    key: str


def expand_paths(paths: Sequence[str]) -> list[InputFile]:
    """Files in argument order; a directory stands for every file below it, sorted.

    Inside a directory, a symbolic link is followed only where it stays inside it: a link
    to a file or folder elsewhere is skipped, so a folder cannot make the run read (and
    upload) files its owner did not put there. A file named on the command line is read
    wherever it is.
    """
    files: list[InputFile] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            root = path.resolve()
            for child in sorted(p for p in _walk(path, root) if p.is_file()):
                files.append(InputFile(child, upload_key(child.relative_to(path).as_posix())))
        elif path.is_file():
            files.append(InputFile(path, upload_key(path.name)))
        else:
            raise UsageError(f"no such file or directory: {raw}")
    if not files:
        raise UsageError("no input files")
    return files


def _walk(folder: Path, root: Path) -> Iterator[Path]:
    """Every path below `folder` that resolves inside `root` (links pointing out skipped,
    and a link to a folder above is not walked again)."""
    for child in folder.iterdir():
        if child.is_symlink() and root not in child.resolve().parents:
            continue
        yield child
        if child.is_dir() and not child.is_symlink():
            yield from _walk(child, root)


# S3 keys hold at most 1,024 bytes of UTF-8; the pipeline adds its incoming/ prefix.
MAX_KEY_BYTES = 1024 - len("incoming/")


def upload_key(relative: str) -> str:
    """The key a file is uploaded under: its path below the argument, or, when that is
    longer than S3 allows, a short hash of the path and then as much of its end as fits."""
    if len(relative.encode()) <= MAX_KEY_BYTES:
        return relative
    digest = hashlib.sha256(relative.encode()).hexdigest()[:12]
    tail = relative.encode()[-(MAX_KEY_BYTES - len(digest) - 1) :].decode("utf-8", "ignore")
    return f"{digest}/{tail.lstrip('/')}"


# How `run` reports documents it stopped waiting for (JSON status TIMED_OUT).
STILL_RUNNING = "STILL_RUNNING"
NOT_ADMITTED = "NOT_ADMITTED"


def error_of(outcome: ExecutionOutcome) -> dict[str, str]:
    """The error type and a readable message from a failed execution's error and cause."""
    message = outcome.cause or ""
    try:
        cause = json.loads(message)
    except (json.JSONDecodeError, TypeError):
        cause = None
    if isinstance(cause, dict) and "errorMessage" in cause:
        message = str(cause["errorMessage"])
    error = outcome.error or STOPPED_ERRORS.get(outcome.status, outcome.status)
    if not message and outcome.status in STOPPED_ERRORS:
        message = f"The execution ended {outcome.status} before recording an outcome."
    return {"type": error, "message": message}


def _document_id_from_history(engine: LocalEngine, execution_arn: str) -> str | None:
    for event in engine.history(execution_arn):
        details = event.get("stateExitedEventDetails")
        if details and details.get("name") == "Identify Document":
            return str(json.loads(details["output"])["document"]["id"])
    return None


def result_of(
    engine: LocalEngine, file: InputFile, upload: Upload, outcome: ExecutionOutcome
) -> dict[str, Any]:
    """One object of the `--json` array (the contract in DESIGN.md)."""
    output = outcome.output or {}
    succeeded = outcome.status == "SUCCEEDED"
    if succeeded:
        status = str(output.get("status", "SUCCEEDED"))
    elif outcome.status in (STILL_RUNNING, NOT_ADMITTED):
        status = "TIMED_OUT"  # the command stopped waiting; the document goes on
    else:
        status = "FAILED"  # failed, or Step Functions timed it out or it was aborted
    document_id = output.get("document_id")
    if document_id is None and outcome.status != NOT_ADMITTED:
        document_id = _document_id_from_history(engine, upload.execution_arn)
    completed = status == "SUCCEEDED"
    return {
        "file": str(file.path),
        "document_id": document_id,
        "status": status,
        "category": output.get("category") if completed else None,
        "confidence": output.get("confidence") if completed else None,
        "review_required": output.get("review_required") if completed else None,
        "summary": output.get("summary") if completed else None,
        "error": None if succeeded else error_of(outcome),
        "execution_arn": upload.execution_arn,
        # The document whose result this one shares (same bytes under another key or
        # version), when it was skipped as a duplicate of it.
        "duplicate_of": output.get("duplicate_of") if status == "SKIPPED_DUPLICATE" else None,
    }


def run_files(
    engine: LocalEngine,
    files: Sequence[InputFile],
    *,
    timeout: float = 900.0,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Upload every file at once and let the intake pace them; results in input order.

    The engine's cap (`max_concurrent_documents`) bounds how many run. A file whose bytes
    equal an earlier file's is uploaded only once that one has ended, so that "the later
    copy is the duplicate" holds in input order. A document not ended when `timeout`
    seconds have passed is reported TIMED_OUT; so is every document not ended when the
    user interrupts the command (Ctrl-C), with the error `Interrupted`. `on_result` hears
    of each result as its document ends (the progress lines).
    """
    deadline = time.monotonic() + timeout
    uploads: dict[int, Upload] = {}
    first_of: dict[str, int] = {}
    deferred: dict[int, list[tuple[int, bytes]]] = {}  # first copy -> (index, data) of later ones
    for index, file in enumerate(files):
        data = file.path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest in first_of:
            deferred.setdefault(first_of[digest], []).append((index, data))
            continue
        first_of[digest] = index
        uploads[index] = engine.upload(data, file.key, file.path)
    return collect_results(
        engine,
        files,
        uploads,
        deadline=deadline,
        timeout=timeout,
        on_result=on_result,
        deferred=deferred,
    )


def collect_results(
    engine: LocalEngine,
    files: Sequence[InputFile],
    uploads: dict[int, Upload],
    *,
    deadline: float,
    timeout: float,
    on_result: Callable[[dict[str, Any]], None] | None = None,
    deferred: dict[int, list[tuple[int, bytes]]] | None = None,
) -> list[dict[str, Any]]:
    """Wait for the executions of `uploads` (by index into `files`) and return every file's
    result in input order: TIMED_OUT for those not ended by `deadline` (`timeout` is the
    seconds it stands for, in the message) or when the user interrupts. `deferred` maps a
    file to later copies of its bytes, uploaded once it has ended (run_files)."""
    deferred = deferred if deferred is not None else {}
    results: dict[int, dict[str, Any]] = {}

    def ended(index: int, outcome: ExecutionOutcome) -> None:
        results[index] = result_of(engine, files[index], uploads[index], outcome)
        if on_result is not None:
            on_result(results[index])
        for later, data in deferred.pop(index, []):
            uploads[later] = engine.upload(data, files[later].key, files[later].path)

    try:
        while len(results) < len(files) and time.monotonic() <= deadline:
            # Woken by the engine when one ends: polling would slow the executions down.
            pending = {uploads[i].execution_arn: i for i in uploads if i not in results}
            left = max(0.0, deadline - time.monotonic())
            for arn in sorted(
                engine.ended_among(pending, min(WAIT_FALLBACK_POLL_SECONDS, left)),
                key=pending.__getitem__,
            ):
                # It has ended: `wait` returns once the engine has handled the end.
                ended(pending[arn], engine.wait(arn, max(0.0, deadline - time.monotonic())))
        reason, error = f"after {timeout} s (--timeout)", "TIMED_OUT"
    except KeyboardInterrupt:
        reason, error = "when the command was interrupted", "Interrupted"
    for index in range(len(files)):
        if index in results:
            continue
        if index not in uploads:  # a later copy, not uploaded: its first copy never ended
            uploads[index] = Upload(files[index].path, files[index].key, "", "", "")
        arn = uploads[index].execution_arn
        admitted = bool(arn) and engine.describe(arn) is not None
        status = STILL_RUNNING if admitted else NOT_ADMITTED
        state = "still running" if admitted else "not admitted from the intake"
        results[index] = result_of(
            engine,
            files[index],
            uploads[index],
            ExecutionOutcome(arn, status, None, error, f"The document was {state} {reason}."),
        )
    return [results[index] for index in range(len(files))]


def keep_state(engine: LocalEngine, state: StateDirectory) -> None:
    """Write the engine's account to the state directory (docpipe/state.py): every
    execution with its history, every record, the objects, dead letters and notifications.
    The queues are drained: the account ends with the run."""
    sfn = engine.client("stepfunctions")
    token: str | None = None
    while True:
        page = sfn.list_executions(
            stateMachineArn=engine.state_machine_arn,
            maxResults=1000,
            **({"nextToken": token} if token else {}),
        )
        for listed in page["executions"]:
            arn = listed["executionArn"]
            described = sfn.describe_execution(executionArn=arn)
            described.pop("ResponseMetadata", None)
            state.save_execution(described, engine.history(arn))
        token = page.get("nextToken")
        if not token:
            break
    dynamodb = engine.client("dynamodb")
    for page in dynamodb.get_paginator("scan").paginate(TableName=TABLE):
        for item in page["Items"]:
            state.save_record(item)
    s3 = engine.client("s3")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for listed in page.get("Contents", []):
            got = s3.get_object(Bucket=BUCKET, Key=listed["Key"])
            state.save_object(BUCKET, listed["Key"], got["Body"].read(), got.get("VersionId"))
    for letter in engine.dead_letters():
        state.save_dead_letter(letter["body"], letter["attributes"])
    for notification in engine.notifications():
        state.save_notification(notification)
