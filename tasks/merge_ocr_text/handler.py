"""Lambda entry of Merge OCR Text."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from tasks.merge_ocr_text.task import merge_ocr_text
from tasks.shared.clients import artifact_store, client
from tasks.shared.observability import CORRELATION_ID_PATH, logger, metrics, tracer
from tasks.shared.settings import get_settings


@logger.inject_lambda_context(correlation_id_path=CORRELATION_ID_PATH)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Merge the text of Textract job `event["ocr_job"]["job_id"]` into `event["text"]["key"]`."""
    result = merge_ocr_text(
        str(event["text"]["key"]),
        str(event["ocr_job"]["job_id"]),
        artifact_store(),
        client("textract"),
        max_characters=get_settings().max_characters,
    )
    metrics.add_metric(name="PagesOcr", unit=MetricUnit.Count, value=result["ocr"]["pages"])
    logger.info("merged OCR text", extra={k: v for k, v in result.items() if k != "key"})
    return result
