"""`docpipe dlq`: the dead letters earlier runs left, and their replay.

A replay sends the document's upload event back through the intake, marked with its replay
number (`docpipe-replay`): the starter names the execution `…-rN`, a name Step Functions has
not seen, and Register Document takes over the record even though it says FAILED (or
PROCESSING past its expiry), counting the replay in it. The dead letter is removed only
once the intake queue has accepted the replay. A dead letter of kind `notification` (a
completion SNS refused) is replayed by publishing that notification again.

Offline the replay runs on a fresh twin: the document's object comes back from the state
directory under its original version id, with its record, so the replay reads exactly the
version its dead letter names.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import TypeSerializer

from docpipe.state import DeadLetter, StateDirectory
from tasks.shared.execution_names import STOPPED_ERRORS, document_id, execution_name
from tasks.start_pipeline.task import REPLAY_KEY

if TYPE_CHECKING:
    from docpipe.engine import LocalEngine

# The engine (and moto) load only for an offline replay: `summary`, `upload_event` and
# `abandoned` serve the commands against a deployed stack too.

_SERIALIZER = TypeSerializer()


def summary(letter: DeadLetter) -> dict[str, Any]:
    """What `dlq list` shows of a letter."""
    body = letter.body
    return {
        "id": letter.id,
        "kind": body.get("kind") or ("status-change" if "detail-type" in body else "failure"),
        "error": letter.error,
        "key": letter.key,
        "execution_arn": body.get("execution_arn")
        or (body.get("detail") or {}).get("executionArn"),
    }


def upload_event(letter: DeadLetter) -> dict[str, Any] | None:
    """The S3 upload event a letter carries (a status change carries it as the execution's
    input), without the admission facts the starter added."""
    body = letter.body
    event = body.get("event")
    if event is None and "detail" in body and "input" in (body.get("detail") or {}):
        try:
            event = json.loads(body["detail"]["input"])
        except (TypeError, json.JSONDecodeError):
            return None
    if not isinstance(event, dict) or event.get("detail-type") != "Object Created":
        return None
    return {k: v for k, v in event.items() if k not in ("docpipe", REPLAY_KEY)}


def replay(
    state: StateDirectory, letters: Sequence[DeadLetter], *, timeout: float = 900.0
) -> list[dict[str, Any]]:
    """Replay `letters` on a fresh offline twin; what became of each. The state directory
    then holds the replays' executions and records (and the letters of any that failed
    again)."""
    outcomes: list[dict[str, Any]] = []
    from docpipe.engine import LocalEngine, WaitTimeout
    from docpipe.runner import keep_state

    with LocalEngine() as engine:
        started: list[tuple[DeadLetter, str]] = []
        for letter in letters:
            if letter.body.get("kind") == "notification":
                outcomes.append(_republish(engine, state, letter))
                continue
            event = upload_event(letter)
            if event is None:
                outcomes.append({**summary(letter), "replayed": False, "reason": "no upload event"})
                continue
            started.append((letter, _resend(engine, state, letter, event)))
        for letter, arn in started:
            try:
                status = engine.wait(arn, timeout).status
            except WaitTimeout:
                status = "TIMED_OUT"
            outcomes.append(
                {**summary(letter), "replayed": True, "replay_execution_arn": arn, "status": status}
            )
        engine.settle()
        keep_state(engine, state)
    return outcomes


def _resend(
    engine: LocalEngine, state: StateDirectory, letter: DeadLetter, event: dict[str, Any]
) -> str:
    from docpipe.engine import TABLE

    obj = event["detail"]["object"]
    bucket, key, version = event["detail"]["bucket"]["name"], obj["key"], obj["version-id"]
    body = state.object(bucket, key)
    if body is not None and state.versions(bucket).get(key) == version:
        engine.restore_object(key, body, version)
    record = state.record(document_id(bucket, key, version))
    replays = 1
    if record is not None:
        replays = int(record.get("replays") or 0) + 1
        kept = state.execution(str(record.get("execution_arn") or "").rsplit(":", 1)[-1])
        ended = kept["execution"]["status"] if kept else "ABORTED"  # none kept: not running
        record = abandoned(record, ended)
        item = {k: _SERIALIZER.serialize(_dynamo(v)) for k, v in record.items()}
        engine.client("dynamodb").put_item(TableName=TABLE, Item=item)
    engine.client("sqs").send_message(
        QueueUrl=engine.intake_url, MessageBody=json.dumps({**event, REPLAY_KEY: replays})
    )
    state.remove_dead_letter(letter.id)  # the intake accepted the replay
    return engine.execution_arn(execution_name(bucket, key, version, replays))


def abandoned(record: dict[str, Any], status: str) -> dict[str, Any]:
    """A PROCESSING record whose execution ended with `status` without recording its
    outcome (aborted, timed out, or failed with its letter undelivered), marked FAILED so
    that the replay takes it over at once instead of waiting for it to expire. Any other
    record as it is: a RUNNING execution's is left alone (the replay then waits its turn
    as a duplicate would)."""
    if record.get("status") != "PROCESSING" or status == "RUNNING":
        return record
    error = STOPPED_ERRORS.get(status, f"Execution{status.title().replace('_', '')}")
    return {**record, "status": "FAILED", "error_type": record.get("error_type") or error}


def _republish(engine: LocalEngine, state: StateDirectory, letter: DeadLetter) -> dict[str, Any]:
    notification = letter.body.get("notification") or {}
    engine.client("sns").publish(
        TopicArn=engine.topic_arn,
        Message=json.dumps(notification),
        MessageAttributes={
            "status": {"DataType": "String", "StringValue": str(notification.get("status"))}
        },
    )
    state.remove_dead_letter(letter.id)
    return {**summary(letter), "replayed": True, "status": "PUBLISHED"}


def _dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dynamo(v) for v in value]
    return value


def redrive(state: StateDirectory, execution_arn: str) -> list[dict[str, Any]]:
    """Run an ended execution's document again. Offline there is no RedriveExecution (and
    a caught failure ends in a Fail state, which redrive would not rerun on AWS either): the
    document is replayed, and the dead letters of that execution are settled with it."""
    kept = state.execution(execution_arn.rsplit(":", 1)[-1])
    if kept is None:
        raise LookupError(f"no execution {execution_arn} in {state.root}/")
    status = kept["execution"]["status"]
    if status in ("RUNNING", "SUCCEEDED"):
        raise ValueError(
            f"the execution is {status}: only a failed, timed-out or aborted one runs again"
        )
    letters = [
        letter
        for letter in state.dead_letters()
        if summary(letter)["execution_arn"] == execution_arn
    ]
    if not letters:  # its letter was replayed or deleted already: the input says it all
        execution = {"detail": {"input": kept["execution"].get("input", "{}")}}
        letters = [DeadLetter("", execution, {})]
    return replay(state, letters[:1]) if letters else []
