"""Classify Document: pick a configured label from the document's start and its summary."""

from __future__ import annotations

from typing import Any

from tasks.shared.models import LabelSet, Summary
from tasks.shared.providers import ModelProvider
from tasks.shared.storage import ArtifactStore


def document_opening(pages: list[dict[str, Any]], max_chars: int) -> str:
    """The first `max_chars` characters of the document, across pages."""
    parts: list[str] = []
    remaining = max_chars
    for page in pages:
        if remaining <= 0:
            break
        text = str(page["text"])[:remaining]
        parts.append(text)
        remaining -= len(text)
    return "\n".join(parts)


def classify(
    text_key: str,
    summary_key: str,
    store: ArtifactStore,
    provider: ModelProvider,
    labels: LabelSet,
    *,
    prefix_chars: int,
) -> dict[str, Any]:
    """Classify on the document's opening plus its summary, never the full text.

    `needs_review` is true when the document's language is one the model does not read
    (the local model reads English only): its confidence would not mean anything there.
    """
    summary = Summary.from_dict(store.get_json(summary_key))
    artifact = store.get_json(text_key)
    opening = document_opening(artifact["pages"], prefix_chars)
    language = artifact.get("language")
    unread_language = (
        provider.languages is not None
        and language is not None
        and language not in provider.languages
    )
    # The opening first: a document names its kind in its first lines (a heading such as
    # "INVOICE" or "Curriculum Vitae"), and the local model reads them there.
    result = provider.classify(f"{opening}\n\n{summary.text}", labels)
    if result.category not in labels.names:
        # A provider bug must not leak an unconfigured category into results.
        raise ValueError(f"provider returned unconfigured category {result.category!r}")
    return {
        "category": result.category,
        "confidence": round(float(result.confidence), 4),
        "threshold": labels.review_threshold,
        "scores": {name: round(float(v), 4) for name, v in result.scores.items()},
        "usage": result.usage.to_dict(),
        "needs_review": unread_language,
        "review_reason": f"language {language} is not read by {provider.name}"
        if unread_language
        else None,
    }
