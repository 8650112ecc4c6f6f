"""`docpipe run`: upload files, let the rule start their executions, collect the outcomes."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docpipe.engine import ExecutionOutcome, LocalEngine, Upload, etag_of


class UsageError(ValueError):
    """Bad command-line input (exit code 2)."""


@dataclass(frozen=True)
class InputFile:
    """A file to process and the key it is uploaded under (below incoming/)."""

    path: Path
    key: str


def expand_paths(paths: Sequence[str]) -> list[InputFile]:
    """Files in argument order; a directory stands for every file below it, sorted."""
    files: list[InputFile] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                files.append(InputFile(child, child.relative_to(path).as_posix()))
        elif path.is_file():
            files.append(InputFile(path, path.name))
        else:
            raise UsageError(f"no such file or directory: {raw}")
    if not files:
        raise UsageError("no input files")
    return files


def error_of(outcome: ExecutionOutcome) -> dict[str, str]:
    """The error type and a readable message from a failed execution's error and cause."""
    message = outcome.cause or ""
    try:
        cause = json.loads(message)
    except (json.JSONDecodeError, TypeError):
        cause = None
    if isinstance(cause, dict) and "errorMessage" in cause:
        message = str(cause["errorMessage"])
    return {"type": outcome.error or outcome.status, "message": message}


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
    status = str(output.get("status", "SUCCEEDED")) if succeeded else "FAILED"
    document_id = output.get("document_id")
    if document_id is None:
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
    }


def run_files(
    engine: LocalEngine,
    files: Sequence[InputFile],
    *,
    concurrency: int = 4,
    timeout: float = 900.0,
) -> list[dict[str, Any]]:
    """Process `files` with at most `concurrency` executions in flight; results in input order.

    A file identical (same key and content) to one still in flight is uploaded only after
    that one ends, so "the second copy is the duplicate" holds in input order.
    """
    if concurrency < 1:
        raise UsageError("concurrency must be at least 1")
    results: dict[int, dict[str, Any]] = {}
    in_flight: deque[tuple[int, InputFile, Upload]] = deque()

    def finish_oldest() -> None:
        index, file, upload = in_flight.popleft()
        results[index] = result_of(engine, file, upload, engine.wait(upload.execution_arn, timeout))

    for index, file in enumerate(files):
        data = file.path.read_bytes()
        identity = (file.key, etag_of(data))
        while any((f.key, u.etag) == identity for _, f, u in in_flight):
            finish_oldest()
        while len(in_flight) >= concurrency:
            finish_oldest()
        in_flight.append((index, file, engine.upload(data, file.key, file.path)))
    while in_flight:
        finish_oldest()
    return [results[i] for i in range(len(files))]
