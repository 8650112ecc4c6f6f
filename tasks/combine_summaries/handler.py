"""Lambda entry of Combine Summaries."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from tasks.combine_summaries.task import combine_partial_summaries
from tasks.shared.clients import artifact_store, model_provider
from tasks.shared.models import DocumentRef
from tasks.shared.observability import CORRELATION_ID_PATH, logger, metrics, tracer
from tasks.shared.settings import get_settings


@logger.inject_lambda_context(correlation_id_path=CORRELATION_ID_PATH)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Combine the `event["count"]` partial summaries of `event["document"]`."""
    return combine_partial_summaries(
        DocumentRef.from_dict(event["document"]),
        int(event["count"]),
        artifact_store(),
        model_provider(str(event.get("model_id") or "")),
        max_chars=get_settings().summary_chars,
    )
