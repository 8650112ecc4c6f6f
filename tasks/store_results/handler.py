"""Lambda entry of Store Results."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from tasks.shared.clients import artifact_store, client
from tasks.shared.models import DocumentRef
from tasks.shared.observability import CORRELATION_ID_PATH, logger, metrics, tracer
from tasks.shared.settings import get_settings
from tasks.store_results.task import store_results


@logger.inject_lambda_context(correlation_id_path=CORRELATION_ID_PATH)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Store the outcome of `event["document"]`."""
    result = store_results(
        DocumentRef.from_dict(event["document"]),
        event,
        artifact_store(),
        client("dynamodb"),
        get_settings().table_name,
    )
    metrics.add_metric(name="DocumentsProcessed", unit=MetricUnit.Count, value=1)
    return result
