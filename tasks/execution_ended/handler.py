"""Lambda entry of Execution Ended (EventBridge: Step Functions Execution Status Change)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from tasks.execution_ended.task import document_of, execution_ended
from tasks.shared.clients import client
from tasks.shared.observability import (
    LEASES_RELEASED_ON_END,
    RECORDS_FAILED_ON_END,
    logger,
    metrics,
    tracer,
)
from tasks.shared.semaphore import Semaphore
from tasks.shared.settings import get_settings


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Release the ended execution's lease; fail the record it left PROCESSING."""
    settings = get_settings()
    # Its log lines join the document's: the same correlation id as the tasks' (the id).
    logger.set_correlation_id(document_of(event) or event.get("detail", {}).get("name"))
    ended = execution_ended(
        event,
        semaphore=Semaphore(client("dynamodb"), settings.lease_table_name),
        dynamodb=client("dynamodb"),
        table_name=settings.table_name,
    )
    # Zeros too: the graphs show the handler ran, and a flush is never empty.
    metrics.add_metric(
        name=LEASES_RELEASED_ON_END, unit=MetricUnit.Count, value=int(ended.lease_released)
    )
    metrics.add_metric(
        name=RECORDS_FAILED_ON_END, unit=MetricUnit.Count, value=int(ended.record_failed)
    )
    if ended.record_failed:
        logger.warning("record left PROCESSING marked FAILED", extra=asdict(ended))
    return asdict(ended)
