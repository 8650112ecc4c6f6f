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
@tracer.capture_lambda_handler(capture_response=False)
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
    metrics.add_metric(name="InputTokens", unit=MetricUnit.Count, value=result["input_tokens"])
    metrics.add_metric(name="OutputTokens", unit=MetricUnit.Count, value=result["output_tokens"])
    metrics.add_metric(name="ModelCalls", unit=MetricUnit.Count, value=result["model_calls"])
    metrics.add_metric(name="CostUSD", unit=MetricUnit.NoUnit, value=float(result["cost_usd"]))
    logger.info(
        "stored",
        extra={k: result[k] for k in ("category", "input_tokens", "output_tokens", "cost_usd")},
    )
    return result
