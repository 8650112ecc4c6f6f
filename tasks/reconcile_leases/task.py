"""Reconcile Leases: free the leases whose executions are no longer running.

A lease normally ends with its execution: the state machine's Release Lease marks it
released, and the status-change handler frees its place once the execution has ended. This
scheduled sweep covers what both could miss: a starter that crashed between taking a lease
and starting the execution, a lost status-change event. A lease younger than the grace
period is left alone: its execution may be starting (or, marked released, ending).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tasks.shared import clock
from tasks.shared.execution_names import DescribesExecutions, execution_arn, is_running
from tasks.shared.semaphore import Semaphore, lease_time


@dataclass
class Reconciled:
    """What one sweep saw and did."""

    leases: int = 0
    released: list[str] = field(default_factory=list)


def reconcile(
    *,
    semaphore: Semaphore,
    sfn: DescribesExecutions,
    state_machine_arn: str,
    grace_s: float,
    now: datetime,
) -> Reconciled:
    """Free every lease older than `grace_s` whose execution is not RUNNING. A lease marked
    released counts from its release: the status-change handler (or a starter that needs
    the place) frees it first, and the sweep counts only what they missed."""
    result = Reconciled()
    for name, value in semaphore.leases().items():
        result.leases += 1
        try:
            age = (now - clock.parse(lease_time(value))).total_seconds()
        except (ValueError, TypeError):  # unreadable, or without a time zone
            age = grace_s  # an unreadable time is old enough to check
        if age < grace_s or is_running(sfn, execution_arn(state_machine_arn, name)):
            continue
        if semaphore.release(name):
            result.released.append(name)
    return result
