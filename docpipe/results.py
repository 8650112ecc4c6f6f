"""`docpipe results`: the documents processed so far, from the state directory."""

from __future__ import annotations

import json
from typing import Any

from docpipe.state import StateDirectory


def processed(state: StateDirectory) -> list[dict[str, Any]]:
    """One entry per document record (newest first): status, category, summary, cost."""
    documents = []
    for record in state.records():
        if record.get("kind") == "content":
            continue  # a content claim (identical bytes), not a document
        result: dict[str, Any] = {}
        if record.get("result_key"):
            body = state.object(str(record["bucket"]), str(record["result_key"]))
            result = json.loads(body) if body else {}
        cost = result.get("cost") if isinstance(result.get("cost"), dict) else {}
        documents.append(
            {
                "document_id": record["document_id"],
                "key": record.get("object_key"),
                "status": record.get("status"),
                "category": record.get("category"),
                "confidence": record.get("confidence"),
                "review_required": record.get("review_required"),
                "summary": _summary(result),
                "cost_usd": cost.get("usd") if cost else result.get("cost_usd"),
                "error": record.get("error_type"),
                "execution_arn": record.get("execution_arn"),
                "completed_at": record.get("completed_at"),
            }
        )
    return sorted(documents, key=lambda d: str(d["completed_at"] or ""), reverse=True)


def _summary(result: dict[str, Any]) -> str | None:
    summary = result.get("summary")
    if isinstance(summary, dict):
        return str(summary.get("text") or "") or None
    return str(summary) if summary else None


def render(documents: list[dict[str, Any]]) -> str:
    """A table: status, category, cost, key; the summary's first line under each."""
    if not documents:
        return "No documents yet: run `docpipe run FILE...` first."
    lines = []
    for doc in documents:
        cost = f"${float(doc['cost_usd']):.6f}" if doc["cost_usd"] is not None else "-"
        what = doc["category"] or doc["error"] or ""
        lines.append(f"{doc['status'] or '?':<18} {what:<26} {cost:>11}  {doc['key']}")
        if doc["summary"]:
            lines.append(f"{'':<18} {doc['summary'][:110]}")
    return "\n".join(lines)
