"""Lambda entry of Reconcile Leases (EventBridge schedule)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from tasks.reconcile_leases.task import reconcile
from tasks.shared import clock
from tasks.shared.clients import client
from tasks.shared.observability import LEASES_RECONCILED, logger, metrics, tracer
from tasks.shared.semaphore import Semaphore
from tasks.shared.settings import get_settings


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Free the leases of executions that are no longer running."""
    settings = get_settings()
    result = reconcile(
        semaphore=Semaphore(client("dynamodb"), settings.lease_table_name),
        sfn=client("stepfunctions"),
        state_machine_arn=settings.state_machine_arn,
        grace_s=settings.lease_grace_seconds,
        now=clock.now(),
    )
    metrics.add_metric(name=LEASES_RECONCILED, unit=MetricUnit.Count, value=len(result.released))
    if result.released:
        logger.warning("freed leases of stopped executions", extra=asdict(result))
    return asdict(result)
