"""The console's work: files uploaded from the page and dead-letter replays, run one job
at a time on a background offline twin, and the live gauges read from it.

One job at a time because the twin is process-wide (moto patches botocore for the whole
process); jobs wait in order in a queue. Each job keeps what it did in the state directory,
as `docpipe run` and `docpipe dlq replay` do, so the pages show it once it has ended.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docpipe import dead_letters
from docpipe.engine import DEFAULT_MAX_CONCURRENT_DOCUMENTS, LocalEngine
from docpipe.runner import InputFile, keep_state, run_files, upload_key
from docpipe.state import StateDirectory

# Characters an uploaded file's name keeps (the rest of the path is dropped).
MAX_NAME = 200


@dataclass
class Job:
    """One piece of the console's work and what became of it."""

    id: int
    kind: str  # "upload" or "replay"
    what: list[str]
    status: str = "queued"  # queued, running, done, failed
    results: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    submitted: float = field(default_factory=time.time)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "what": self.what,
            "status": self.status,
            "results": self.results,
            "error": self.error,
        }


def safe_name(name: str) -> str:
    """An uploaded file's name without any folder part, so it stays in the upload folder."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip().lstrip(".")
    return base[:MAX_NAME] or "upload"


class Jobs:
    """A queue of jobs run in order by one worker thread against `state`."""

    def __init__(self, state: StateDirectory, *, timeout: float = 900.0) -> None:
        self.state = state
        self.timeout = timeout
        self._jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self._queue: queue.Queue[tuple[Job, Callable[[], list[dict[str, Any]]]] | None] = (
            queue.Queue()
        )
        self._lock = threading.Lock()
        self._engine: LocalEngine | None = None
        self._worker = threading.Thread(target=self._work, name="docpipe-console-jobs", daemon=True)
        self._worker.start()

    # -- submitting -------------------------------------------------------------------------

    def upload(self, files: list[tuple[str, bytes]]) -> Job:
        """Run uploaded files (name, bytes) through the pipeline, as `docpipe run` would."""
        folder = Path(tempfile.mkdtemp(prefix="docpipe-upload-"))
        inputs = []
        for index, (name, data) in enumerate(files):
            path = folder / str(index) / safe_name(name)
            path.parent.mkdir()
            path.write_bytes(data)
            inputs.append(InputFile(path, upload_key(path.name)))
        return self._submit("upload", [f.key for f in inputs], lambda: self._run(inputs, folder))

    def replay(self, letter_ids: list[str] | None) -> Job:
        """Replay the dead letters named (all of them for None)."""
        letters = [
            letter
            for letter in self.state.dead_letters()
            if letter_ids is None or letter.id in letter_ids
        ]
        return self._submit(
            "replay",
            [letter.id for letter in letters],
            lambda: dead_letters.replay(self.state, letters, timeout=self.timeout),
        )

    def get(self, job_id: int) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def all(self) -> list[Job]:
        with self._lock:
            return sorted(self._jobs.values(), key=lambda job: job.id, reverse=True)

    def close(self) -> None:
        self._queue.put(None)

    # -- gauges -----------------------------------------------------------------------------

    def gauges(self) -> dict[str, Any]:
        """Intake depth, running documents against the cap, dead letters, jobs waiting."""
        engine = self._engine
        waiting = sum(1 for job in self.all() if job.status == "queued")
        live: dict[str, Any] = {"intake_depth": 0, "running": 0, "cap": default_cap()}
        if engine is not None:
            # The twin may be stopping as the gauges are read: they are best effort.
            with contextlib.suppress(Exception):
                live = _live_gauges(engine)
        return {
            **live,
            "dead_letters": len(self.state.dead_letters()),
            "jobs_waiting": waiting,
            "job_running": engine is not None,
        }

    # -- the worker -------------------------------------------------------------------------

    def _submit(self, kind: str, what: list[str], work: Callable[[], list[dict[str, Any]]]) -> Job:
        job = Job(next(self._ids), kind, what)
        with self._lock:
            self._jobs[job.id] = job
        self._queue.put((job, work))
        return job

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            job, work = item
            job.status = "running"
            try:
                job.results = work()
                job.status = "done"
            except Exception as exc:  # noqa: BLE001 - a failed job is shown, the worker goes on
                job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"

    def _run(self, inputs: list[InputFile], folder: Path) -> list[dict[str, Any]]:
        try:
            with LocalEngine() as engine:
                self._engine = engine
                try:
                    results = run_files(engine, inputs, timeout=self.timeout)
                    engine.settle()
                finally:
                    self._engine = None
                keep_state(engine, self.state)
            for result, file in zip(results, inputs, strict=True):
                result["file"] = file.path.name
            self.state.save_run(results)
            return results
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def default_cap() -> int:
    """The cap a run started now would have (as LocalEngine resolves it)."""
    return int(
        os.environ.get("DOCPIPE_MAX_CONCURRENT_DOCUMENTS") or DEFAULT_MAX_CONCURRENT_DOCUMENTS
    )


def _live_gauges(engine: LocalEngine) -> dict[str, Any]:
    sqs = engine.client("sqs")
    attributes = sqs.get_queue_attributes(
        QueueUrl=engine.intake_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    running = engine.client("stepfunctions").list_executions(
        stateMachineArn=engine.state_machine_arn, statusFilter="RUNNING"
    )["executions"]
    return {
        "intake_depth": int(attributes.get("ApproximateNumberOfMessages", 0))
        + int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
        "running": len(running),
        "cap": engine.max_concurrent_documents,
    }
