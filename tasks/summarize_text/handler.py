"""Lambda entry of Summarize Chunk and Summarize Document."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from tasks.shared.clients import artifact_store, model_provider
from tasks.shared.models import DocumentRef
from tasks.shared.observability import CORRELATION_ID_PATH, logger, metrics, tracer
from tasks.shared.settings import get_settings
from tasks.summarize_text.task import summarize_chunks


@logger.inject_lambda_context(correlation_id_path=CORRELATION_ID_PATH)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Summarize chunks `event["chunks"]` of `event["document"]` for `event["target"]`."""
    target = event.get("target", "document")
    if target not in ("chunk", "document"):
        raise ValueError(f"target must be 'chunk' or 'document', got {target!r}")
    return summarize_chunks(
        DocumentRef.from_dict(event["document"]),
        [int(index) for index in event["chunks"]],
        target,
        artifact_store(),
        model_provider(str(event.get("model_id") or "")),
        max_chars=get_settings().summary_chars,
    )
