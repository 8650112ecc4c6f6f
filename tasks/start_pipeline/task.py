"""Start Pipeline: admit one upload from the intake queue into the state machine.

Admission is a lease in the semaphore (tasks/shared/semaphore.py), named like the execution
it admits. A full house first frees the places of executions that released their leases and
have ended since; if none has, it raises IntakeFullError, and the handler hands the message
back to the queue with a delay; nothing is re-sent. The execution's name is derived from the object
(key and version), so a message delivered twice cannot start two executions: Step Functions
answers ExecutionAlreadyExists, which counts as done.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from tasks.shared import clock
from tasks.shared.errors import IntakeFullError, IntakeMessageError
from tasks.shared.execution_names import execution_arn, execution_name, is_running
from tasks.shared.semaphore import Admission, Semaphore

# A record still PROCESSING this long after the longest execution could have ended is stale.
EXPIRY_MARGIN_SECONDS = 300


class StepFunctionsClient(Protocol):
    """The part of the boto3 Step Functions client the starter uses."""

    def start_execution(self, **kwargs: Any) -> Any: ...
    def describe_execution(self, **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class UploadedObject:
    """The object an S3 "Object Created" event names."""

    bucket: str
    key: str
    version_id: str


@dataclass(frozen=True)
class Admitted:
    """What the starter did with one message."""

    execution_name: str
    started: bool  # False: the execution existed already (a redelivered message)


def uploaded_object(event: Any) -> UploadedObject:
    """The object of an S3 "Object Created" EventBridge event; IntakeMessageError otherwise."""
    if not isinstance(event, dict) or event.get("detail-type") != "Object Created":
        raise IntakeMessageError("not an S3 Object Created event")
    detail = _object(event.get("detail"))
    bucket = _object(detail.get("bucket")).get("name")
    obj = _object(detail.get("object"))
    key, version = obj.get("key"), obj.get("version-id")
    if not (isinstance(bucket, str) and isinstance(key, str) and bucket and key):
        raise IntakeMessageError("the event names no bucket and key")
    if not isinstance(version, str) or not version:
        # The documents bucket is versioned; without a version a re-upload could not be
        # told from a redelivery.
        raise IntakeMessageError(f"the event for {key!r} carries no version-id")
    return UploadedObject(bucket, key, version)


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# A replayed dead letter is the upload event with this key: how many times it was replayed.
REPLAY_KEY = "docpipe-replay"


def replay_count(event: dict[str, Any]) -> int:
    """The replay number an intake message carries (0: an upload, not a replay)."""
    count = event.get(REPLAY_KEY, 0)
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise IntakeMessageError(f"{REPLAY_KEY} must be a count, got {count!r}")
    return count


def execution_input(
    event: dict[str, Any], lease: str, started: datetime, timeout_s: int, replays: int = 0
) -> str:
    """The S3 event with the admission facts the state machine needs (`docpipe`): the
    lease, the record's expiry and the replay number."""
    expires = clock.later(started, timeout_s + EXPIRY_MARGIN_SECONDS)
    admission = {"lease": lease, "processing_expires_at": clock.iso(expires), "replays": replays}
    upload = {k: v for k, v in event.items() if k != REPLAY_KEY}
    return json.dumps({**_unquoted_etag(upload), "docpipe": admission})


def _unquoted_etag(event: dict[str, Any]) -> dict[str, Any]:
    """The event with its object's ETag as S3 events write it, without the quotes that
    HeadObject (the backfill's source) puts around it."""
    obj = _object(_object(event.get("detail")).get("object"))
    etag = obj.get("etag")
    if not (isinstance(etag, str) and len(etag) >= 2 and etag[0] == etag[-1] == '"'):
        return event
    detail = _object(event["detail"])
    return {**event, "detail": {**detail, "object": {**obj, "etag": etag[1:-1]}}}


def admit(
    body: str,
    *,
    semaphore: Semaphore,
    sfn: StepFunctionsClient,
    state_machine_arn: str,
    cap: int,
    processing_timeout_s: int,
    now: datetime,
) -> Admitted:
    """Start the execution of the upload in `body` if the cap allows; else IntakeFullError."""
    try:
        event = json.loads(body)
    except json.JSONDecodeError as exc:
        raise IntakeMessageError(f"the message body is not JSON: {exc}") from exc
    target = uploaded_object(event)
    replays = replay_count(event)
    name = execution_name(target.bucket, target.key, target.version_id, replays)
    admission = semaphore.acquire(name, cap, clock.iso(now))
    if admission is Admission.FULL and free_ended(semaphore, sfn, state_machine_arn):
        admission = semaphore.acquire(name, cap, clock.iso(now))
    if admission is Admission.FULL:
        raise IntakeFullError(f"{cap} documents are running; {target.key} waits in the queue")
    try:
        sfn.start_execution(
            stateMachineArn=state_machine_arn,
            name=name,
            input=execution_input(event, name, now, processing_timeout_s, replays),
        )
    except Exception as exc:
        if _error_code(exc) != "ExecutionAlreadyExists":
            if admission is Admission.ACQUIRED:
                semaphore.release(name)  # nothing started: the next delivery tries again
            raise
        if admission is Admission.ACQUIRED:
            # The execution ran before and has ended (a running one would hold its lease):
            # the lease just taken has nobody to release it.
            semaphore.release(name)
        return Admitted(name, started=False)
    return Admitted(name, started=True)


def free_ended(semaphore: Semaphore, sfn: StepFunctionsClient, state_machine_arn: str) -> int:
    """Free the places of executions that marked their lease released and have ended."""
    freed = 0
    for name in semaphore.marked_released():
        if not is_running(sfn, execution_arn(state_machine_arn, name)) and semaphore.release(name):
            freed += 1
    return freed


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def hand_back_delay(
    receive_count: int, base_s: int, max_s: int, rng: random.Random | None = None
) -> int:
    """Seconds a message waits before the next try when the house is full.

    Doubles per receive from `base_s` up to `max_s`, with equal jitter (half fixed, half
    random) so that waiting messages come back spread out rather than all at once.
    """
    delay = min(max_s, base_s << min(30, max(0, receive_count - 1)))
    rng = rng or random.Random()
    return max(1, round(delay / 2 + rng.uniform(0, delay / 2)))
