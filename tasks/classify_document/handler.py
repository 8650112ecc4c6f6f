"""Lambda entry of Classify Document."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from tasks.classify_document.task import classify
from tasks.shared.clients import artifact_store, labels, model_provider
from tasks.shared.observability import CORRELATION_ID_PATH, logger, metrics, tracer
from tasks.shared.settings import get_settings


@logger.inject_lambda_context(correlation_id_path=CORRELATION_ID_PATH)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Classify `event["document"]` from its summary and text artifacts."""
    result = classify(
        str(event["text"]["key"]),
        str(event["summary"]["key"]),
        artifact_store(),
        model_provider(str(event.get("model_id") or "")),
        labels(),
        prefix_chars=get_settings().classify_prefix_chars,
    )
    logger.info(
        "classified", extra={"category": result["category"], "confidence": result["confidence"]}
    )
    return result
