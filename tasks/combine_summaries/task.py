"""Combine Summaries: merge the chunk summaries into the document summary."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tasks.shared.models import DocumentRef, Summary
from tasks.shared.providers import ModelProvider
from tasks.shared.storage import ArtifactStore, chunk_summary_key, summary_key

# Partial summaries read at once: one S3 GET takes tens of milliseconds, so a document of a
# hundred chunks would wait seconds for them one by one. Below boto3's connection pool (10).
READERS = 8


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
    keys = [chunk_summary_key(document.id, index) for index in range(count)]
    with ThreadPoolExecutor(max_workers=max(1, min(READERS, count))) as pool:
        partials = [Summary.from_dict(stored) for stored in pool.map(store.get_json, keys)]
    combined = provider.combine(partials, max_chars=max_chars)
    for partial in partials:
        combined.usage.add(partial.usage)
    key = summary_key(document.id)
    store.put_json(key, combined.to_dict())
    return {"key": key}
