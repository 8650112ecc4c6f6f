"""Summarize Chunk / Summarize Document: summarize chunks with the model provider."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from tasks.shared.models import DocumentRef, Passage
from tasks.shared.providers import ModelProvider
from tasks.shared.storage import ArtifactStore, chunk_summary_key, summary_key

Target = Literal["chunk", "document"]


def summarize_chunks(
    document: DocumentRef,
    sources: Sequence[dict[str, Any]],
    target: Target,
    store: ArtifactStore,
    provider: ModelProvider,
    *,
    max_chars: int,
) -> dict[str, Any]:
    """Summarize the chunks named by `sources` ({index, key}) and store the summary.

    `target` "chunk" writes a partial summary for Combine Summaries; "document" writes the
    final summary of a single-chunk document.
    """
    if not sources:
        raise ValueError("no chunks to summarize")
    chunks = [store.get_json(str(source["key"])) for source in sources]
    passages = [Passage(str(c["text"]), int(c["page_start"]), int(c["page_end"])) for c in chunks]
    summary = provider.summarize(passages, max_chars=max_chars)
    if target == "chunk":
        key = chunk_summary_key(document.id, int(sources[0]["index"]))
    else:
        key = summary_key(document.id)
    store.put_json(key, summary.to_dict())
    return {"key": key, "input_tokens": summary.usage.input_tokens}
