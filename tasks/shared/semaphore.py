"""The concurrency cap on running executions: a semaphore in one DynamoDB item.

The item `{"lock_name": "documents"}` of the lease table holds `running`, the number of
leases, and one attribute per lease, named by the execution that holds it, valued with the
time it was taken. Acquire and release change both in one conditional write, so the count
and the leases never disagree and the cap holds under any number of concurrent starters.

An execution cannot free its own place: after its last state it is still RUNNING for a
moment, and a place freed then would let the cap be exceeded. So the state machine's
Release Lease only marks the lease released (`released <time>`); the place is freed once
the execution has ended: by the status-change handler, by a starter that finds the house
full and sees the marked lease's execution ended, or by the reconciler.
"""

from __future__ import annotations

import enum
from typing import Any, Protocol

from botocore.exceptions import ClientError

LOCK_NAME = "documents"
RUNNING = "running"
_KEY = {"lock_name": {"S": LOCK_NAME}}
RELEASED_MARK = "released "  # the value of a lease its execution has released
_CONDITION_FAILED = "ConditionalCheckFailedException"


class DynamoDBClient(Protocol):
    """The part of the boto3 DynamoDB client the semaphore uses."""

    def update_item(self, **kwargs: Any) -> Any: ...
    def get_item(self, **kwargs: Any) -> Any: ...


class Admission(enum.Enum):
    """What an acquire found."""

    ACQUIRED = "acquired"  # a new lease was taken
    HELD = "held"  # the lease already existed (a redelivered message, a retried starter)
    FULL = "full"  # `cap` leases are taken


def lease_time(value: str) -> str:
    """The time in a lease's value: when it was taken, or when it was marked released."""
    return value.removeprefix(RELEASED_MARK)


def is_marked_released(value: str) -> bool:
    """Whether a lease's value says its execution has released it (and may still be ending)."""
    return value.startswith(RELEASED_MARK)


def _failed_condition(error: ClientError) -> bool:
    return bool(error.response.get("Error", {}).get("Code") == _CONDITION_FAILED)


class Semaphore:
    """Leases on the lease table `table_name` (one per execution, named by it)."""

    def __init__(self, dynamodb: DynamoDBClient, table_name: str) -> None:
        self._dynamodb = dynamodb
        self._table = table_name

    def acquire(self, lease: str, cap: int, now: str) -> Admission:
        """Take the lease `lease` if fewer than `cap` are taken. Taking it twice is harmless."""
        try:
            self._dynamodb.update_item(
                TableName=self._table,
                Key=_KEY,
                UpdateExpression="SET #running = if_not_exists(#running, :zero) + :one, "
                "#lease = :now",
                ConditionExpression="attribute_not_exists(#lease) AND "
                "(attribute_not_exists(#running) OR #running < :cap)",
                ExpressionAttributeNames={"#running": RUNNING, "#lease": lease},
                ExpressionAttributeValues={
                    ":zero": {"N": "0"},
                    ":one": {"N": "1"},
                    ":cap": {"N": str(cap)},
                    ":now": {"S": now},
                },
            )
        except ClientError as error:
            if not _failed_condition(error):
                raise
            return Admission.HELD if lease in self.leases() else Admission.FULL
        return Admission.ACQUIRED

    def release(self, lease: str) -> bool:
        """Give the lease back; False when it was not held (released already)."""
        try:
            self._dynamodb.update_item(
                TableName=self._table,
                Key=_KEY,
                UpdateExpression="SET #running = #running - :one REMOVE #lease",
                ConditionExpression="attribute_exists(#lease)",
                ExpressionAttributeNames={"#running": RUNNING, "#lease": lease},
                ExpressionAttributeValues={":one": {"N": "1"}},
            )
        except ClientError as error:
            if not _failed_condition(error):
                raise
            return False
        return True

    def mark_released(self, lease: str, now: str) -> bool:
        """What the ASL's Release Lease does: mark `lease` released, keeping its place."""
        try:
            self._dynamodb.update_item(
                TableName=self._table,
                Key=_KEY,
                UpdateExpression="SET #lease = :released",
                ConditionExpression="attribute_exists(#lease)",
                ExpressionAttributeNames={"#lease": lease},
                ExpressionAttributeValues={":released": {"S": RELEASED_MARK + now}},
            )
        except ClientError as error:
            if not _failed_condition(error):
                raise
            return False
        return True

    def marked_released(self) -> list[str]:
        """The leases their executions have released, whose places are not yet free."""
        return [name for name, value in self.leases().items() if is_marked_released(value)]

    def leases(self) -> dict[str, str]:
        """Every lease held now: execution name -> time taken."""
        item = self._dynamodb.get_item(TableName=self._table, Key=_KEY, ConsistentRead=True).get(
            "Item", {}
        )
        return {
            name: str(value.get("S", ""))
            for name, value in item.items()
            if name not in ("lock_name", RUNNING)
        }

    def running(self) -> int:
        """The count of leases held (the `running` attribute)."""
        item = self._dynamodb.get_item(TableName=self._table, Key=_KEY, ConsistentRead=True).get(
            "Item", {}
        )
        return int(item.get(RUNNING, {}).get("N", "0"))
