"""Execution Ended: what must happen whenever an execution stops, however it stopped.

Called for every terminal status (EventBridge "Step Functions Execution Status Change").
It releases the execution's lease (the state machine releases it itself on its own paths;
releasing twice is harmless), and an execution that ended without recording its outcome
(timed out, aborted, or its failure path failed) has its document's PROCESSING record
marked FAILED, so that a re-upload or a replay processes the document again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from tasks.shared import clock
from tasks.shared.execution_names import STOPPED_ERRORS, TERMINAL_STATUSES, document_id
from tasks.shared.semaphore import DynamoDBClient, Semaphore


@dataclass(frozen=True)
class Ended:
    """What the handler did for one status-change event."""

    execution_name: str
    status: str
    lease_released: bool
    record_failed: bool
    document_id: str | None


def document_of(event: dict[str, Any]) -> str | None:
    """The document id of the execution a status-change event is about, if it has one."""
    return _document_of((event.get("detail") or {}).get("input"))


def _document_of(execution_input: Any) -> str | None:
    """The document id of an execution started from an S3 event (None if it was not)."""
    if not isinstance(execution_input, str):
        return None
    try:
        detail = json.loads(execution_input)["detail"]
        return document_id(
            detail["bucket"]["name"], detail["object"]["key"], detail["object"]["version-id"]
        )
    except (json.JSONDecodeError, KeyError, TypeError):
        return None


def execution_ended(
    event: dict[str, Any], *, semaphore: Semaphore, dynamodb: DynamoDBClient, table_name: str
) -> Ended:
    """Release the lease of the execution in `event` and settle a record it left PROCESSING."""
    detail = event.get("detail") or {}
    status = str(detail.get("status", ""))
    name = str(detail.get("name") or str(detail.get("executionArn", "")).rsplit(":", 1)[-1])
    if status not in TERMINAL_STATUSES:
        return Ended(name, status, False, False, None)
    released = semaphore.release(name)
    doc = _document_of(detail.get("input"))
    failed = False
    if status != "SUCCEEDED" and doc is not None:
        error = detail.get("error") or STOPPED_ERRORS.get(status, "States.Runtime")
        failed = _fail_record(
            dynamodb,
            table_name,
            doc,
            str(detail.get("executionArn", "")),
            str(error),
            str(detail.get("cause") or f"The execution ended {status} without recording it."),
        )
    return Ended(name, status, released, failed, doc)


def _fail_record(
    dynamodb: DynamoDBClient,
    table_name: str,
    doc: str,
    execution_arn: str,
    error: str,
    cause: str,
) -> bool:
    """Mark the record FAILED if this execution left it PROCESSING; False otherwise."""
    try:
        dynamodb.update_item(
            TableName=table_name,
            Key={"document_id": {"S": doc}},
            UpdateExpression="SET #status = :failed, error_type = :error, "
            "error_detail = :detail, completed_at = :now",
            ConditionExpression="#status = :processing AND execution_arn = :execution",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":failed": {"S": "FAILED"},
                ":processing": {"S": "PROCESSING"},
                ":execution": {"S": execution_arn},
                ":error": {"S": error},
                ":detail": {"S": json.dumps({"Error": error, "Cause": cause})},
                ":now": {"S": clock.iso(clock.now())},
            },
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False  # recorded by the execution itself, or owned by another one
        raise
    return True
