"""Combine Summaries: merge the chunk summaries into the document summary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tasks.shared.models import DocumentRef, Summary
from tasks.shared.providers import ModelProvider
from tasks.shared.storage import ArtifactStore, summary_key


def combine_partial_summaries(
    document: DocumentRef,
    sources: Sequence[dict[str, Any]],
    store: ArtifactStore,
    provider: ModelProvider,
    *,
    max_chars: int,
) -> dict[str, Any]:
    """Combine the partial summaries named by `sources` ({key}), in order, into one.

    The stored usage is the sum over the chunk calls and the combine call, so the document
    summary carries the whole cost.
    """
    partials = [Summary.from_dict(store.get_json(str(s["key"]))) for s in sources]
    combined = provider.combine(partials, max_chars=max_chars)
    for partial in partials:
        combined.usage.add(partial.usage)
    key = summary_key(document.id)
    store.put_json(key, combined.to_dict())
    return {"key": key, "input_tokens": combined.usage.input_tokens}
