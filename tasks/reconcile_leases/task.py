"""Reconcile Leases: free the leases whose executions are no longer running.

A lease normally ends with its execution (the state machine's Release Lease, then the
status-change handler). This scheduled sweep covers what both could miss: a starter that
crashed between taking a lease and starting the execution, a lost status-change event. A
lease younger than the grace period is left alone: its execution may be starting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from botocore.exceptions import ClientError

from tasks.shared import clock
from tasks.shared.execution_names import execution_arn
from tasks.shared.semaphore import Semaphore


class StepFunctionsClient(Protocol):
    """The part of the boto3 Step Functions client the reconciler uses."""

    def describe_execution(self, **kwargs: Any) -> Any: ...


@dataclass
class Reconciled:
    """What one sweep saw and did."""

    leases: int = 0
    released: list[str] = field(default_factory=list)


def _running(sfn: StepFunctionsClient, arn: str) -> bool:
    try:
        return bool(sfn.describe_execution(executionArn=arn)["status"] == "RUNNING")
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ExecutionDoesNotExist":
            return False
        raise


def reconcile(
    *,
    semaphore: Semaphore,
    sfn: StepFunctionsClient,
    state_machine_arn: str,
    grace_s: float,
    now: datetime,
) -> Reconciled:
    """Release every lease older than `grace_s` whose execution is not RUNNING."""
    result = Reconciled()
    for name, taken in semaphore.leases().items():
        result.leases += 1
        try:
            age = (now - clock.parse(taken)).total_seconds()
        except (ValueError, TypeError):  # unreadable, or without a time zone
            age = grace_s  # an unreadable time is old enough to check
        if age < grace_s or _running(sfn, execution_arn(state_machine_arn, name)):
            continue
        if semaphore.release(name):
            result.released.append(name)
    return result
