"""Lambda entry of Chunk Text."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from tasks.chunk_text.task import chunk_document
from tasks.shared.clients import artifact_store
from tasks.shared.models import DocumentRef
from tasks.shared.observability import CORRELATION_ID_PATH, logger, metrics, tracer
from tasks.shared.settings import get_settings


@logger.inject_lambda_context(correlation_id_path=CORRELATION_ID_PATH)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Chunk the text artifact `event["text"]["key"]`."""
    settings = get_settings()
    result = chunk_document(
        DocumentRef.from_dict(event["document"]),
        str(event["text"]["key"]),
        artifact_store(),
        max_tokens=settings.chunk_tokens,
        overlap_tokens=settings.chunk_overlap_tokens,
        max_document_tokens=settings.max_document_tokens,
        budget_model_id=settings.budget_model_id,
        concurrent_calls=settings.model_calls_per_document,
    )
    metrics.add_metric(name="Chunks", unit=MetricUnit.Count, value=result["count"])
    logger.info(
        "chunked",
        extra={k: result[k] for k in ("count", "tokens", "document_tokens", "model_id")},
    )
    return result
