"""Summarize Chunk / Summarize Document: summarize chunks with the model provider."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from tasks.shared.models import DocumentRef, Passage
from tasks.shared.providers import ModelProvider
from tasks.shared.storage import ArtifactStore, chunk_key, chunk_summary_key, summary_key

Target = Literal["chunk", "document"]


def chunk_passages(chunk: dict[str, Any]) -> list[Passage]:
    """One passage per page of a stored chunk, so that key points cite exact pages."""
    pages = chunk.get("pages")
    if not pages:  # a chunk written before chunks kept their pages
        return [Passage(str(chunk["text"]), int(chunk["page_start"]), int(chunk["page_end"]))]
    return [Passage(str(p["text"]), int(p["number"]), int(p["number"])) for p in pages]


def summarize_chunks(
    document: DocumentRef,
    indices: Sequence[int],
    target: Target,
    store: ArtifactStore,
    provider: ModelProvider,
    *,
    max_chars: int,
) -> dict[str, Any]:
    """Summarize the chunks `indices` of `document` and store the summary.

    `target` "chunk" writes a partial summary for Combine Summaries; "document" writes the
    final summary of a single-chunk document.
    """
    if not indices:
        raise ValueError("no chunks to summarize")
    passages = [
        passage
        for index in indices
        for passage in chunk_passages(store.get_json(chunk_key(document.id, int(index))))
    ]
    summary = provider.summarize(passages, max_chars=max_chars)
    if target == "chunk":
        key = chunk_summary_key(document.id, int(indices[0]))
    else:
        key = summary_key(document.id)
    store.put_json(key, summary.to_dict())
    return {"key": key}
