"""Combine Summaries: merge the chunk summaries into the document summary."""

from __future__ import annotations

from typing import Any

from tasks.shared.models import DocumentRef, Summary
from tasks.shared.providers import ModelProvider
from tasks.shared.storage import ArtifactStore, chunk_summary_key, summary_key


def combine_partial_summaries(
    document: DocumentRef,
    count: int,
    store: ArtifactStore,
    provider: ModelProvider,
    *,
    max_chars: int,
) -> dict[str, Any]:
    """Combine the `count` partial summaries of `document`, in chunk order, into one.

    The provider recurses when the partials exceed what one call should read. The stored
    usage is the sum over the chunk calls and the combine calls, so the document summary
    carries the whole cost.
    """
    partials = [
        Summary.from_dict(store.get_json(chunk_summary_key(document.id, index)))
        for index in range(count)
    ]
    combined = provider.combine(partials, max_chars=max_chars)
    for partial in partials:
        combined.usage.add(partial.usage)
    key = summary_key(document.id)
    store.put_json(key, combined.to_dict())
    return {"key": key}
