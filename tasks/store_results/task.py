"""Store Results: the result JSON in S3 and the document's item in DynamoDB."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from tasks.shared.models import DocumentRef, Summary, TokenUsage
from tasks.shared.pricing import cost_of
from tasks.shared.storage import ArtifactStore, result_key


class DynamoDBClient(Protocol):
    """The part of the boto3 DynamoDB client this task uses."""

    def update_item(self, **kwargs: Any) -> Any: ...


def store_results(
    document: DocumentRef,
    event: dict[str, Any],
    store: ArtifactStore,
    dynamodb: DynamoDBClient,
    table_name: str,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Write `results/<id>.json`, mark the item SUCCEEDED, return the completion facts."""
    summary = Summary.from_dict(store.get_json(str(event["summary"]["key"])))
    classification = event["classification"]
    usage = TokenUsage()
    usage.add(summary.usage)
    usage.add(TokenUsage.from_dict(classification.get("usage")))
    model = summary.model or str(classification.get("model", ""))
    cost = cost_of(usage, model)
    chunks = event["chunks"]
    document_tokens = int(chunks.get("document_tokens") or chunks["tokens"])
    completed_at = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    text = event["text"]
    key = result_key(document.id)
    result = {
        "document_id": document.id,
        "bucket": document.bucket,
        "key": document.key,
        "version_id": document.version_id,
        "status": "SUCCEEDED",
        "category": classification["category"],
        "confidence": classification["confidence"],
        "review_required": bool(event["review_required"]),
        "review_reason": classification.get("review_reason"),
        "scores": classification.get("scores", {}),
        "summary": summary.text,
        "key_points": [
            {"text": p.text, "pages": [p.page_start, p.page_end]} for p in summary.points
        ],
        "media_type": text["media_type"],
        "pages": text["pages"],
        "characters": text["characters"],
        "extractor": text["extractor"],
        "language": text.get("language"),
        "chunks": chunks["count"],
        "document_tokens": document_tokens,
        "model": model,
        "usage": {**usage.to_dict(), "billed_input_tokens": usage.billed_input_tokens},
        "input_token_ratio": (
            round(usage.billed_input_tokens / document_tokens, 4) if document_tokens else None
        ),
        "cost": cost,
        "execution_arn": event["execution_arn"],
        "completed_at": completed_at,
    }
    store.put_json(key, result)
    dynamodb.update_item(
        TableName=table_name,
        Key={"document_id": {"S": document.id}},
        UpdateExpression=(
            "SET #status = :succeeded, category = :category, confidence = :confidence, "
            "review_required = :review, result_key = :result_key, completed_at = :completed"
        ),
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={
            ":succeeded": {"S": "SUCCEEDED"},
            ":category": {"S": result["category"]},
            ":confidence": {"N": str(Decimal(str(result["confidence"])))},
            ":review": {"BOOL": result["review_required"]},
            ":result_key": {"S": key},
            ":completed": {"S": completed_at},
        },
    )
    return {
        "document_id": document.id,
        "bucket": document.bucket,
        "key": document.key,
        "status": "SUCCEEDED",
        "category": result["category"],
        "confidence": result["confidence"],
        "review_required": result["review_required"],
        "summary": summary.text,
        "result_key": key,
        "execution_arn": event["execution_arn"],
        "input_tokens": usage.billed_input_tokens,
        "output_tokens": usage.output_tokens,
        "model_calls": usage.calls,
        # A fixed-point decimal string: it becomes an SNS Number attribute as it is (a float
        # could be rendered as 1.2e-05). An unpriced model counts 0 here, while the result
        # JSON says `cost.usd: null`.
        "cost_usd": f"{cost['usd'] or 0.0:.8f}",
    }
