"""Lambda entry of Extract Text."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from tasks.extract_text.task import configured_limits, extract_document
from tasks.shared.clients import artifact_store
from tasks.shared.models import DocumentRef
from tasks.shared.observability import CORRELATION_ID_PATH, logger, metrics, tracer
from tasks.shared.settings import get_settings


@logger.inject_lambda_context(correlation_id_path=CORRELATION_ID_PATH)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Extract the text of `event["document"]`."""
    settings = get_settings()
    result = extract_document(
        DocumentRef.from_dict(event["document"]),
        artifact_store(),
        configured_limits(settings),
        settings,
    )
    metrics.add_metric(name="PagesExtracted", unit=MetricUnit.Count, value=result["pages"])
    logger.info("extracted", extra={k: v for k, v in result.items() if k not in ("key", "ocr")})
    if result["ocr"]["required"]:
        logger.info("pages need OCR", extra={"ocr_pages": result["ocr"]["pages"]})
    return result
