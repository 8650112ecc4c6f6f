"""Chunk Text: split the extracted text into token-budgeted chunks stored in S3."""

from __future__ import annotations

from typing import Any

from tasks.chunk_text.chunking import chunk_pages
from tasks.shared.errors import EmptyDocumentError
from tasks.shared.models import DocumentRef, Page
from tasks.shared.storage import ArtifactStore, chunk_key


def chunk_document(
    document: DocumentRef,
    text_key: str,
    store: ArtifactStore,
    *,
    max_tokens: int,
    overlap_tokens: int,
) -> dict[str, Any]:
    """Write each chunk to S3 and return the pointers (never the text) for the state."""
    artifact = store.get_json(text_key)
    pages = [Page(int(p["number"]), str(p["text"])) for p in artifact["pages"]]
    chunks = chunk_pages(pages, max_tokens=max_tokens, overlap_tokens=overlap_tokens)
    if not chunks:
        raise EmptyDocumentError("the document has no text to chunk")
    items = []
    for chunk in chunks:
        key = chunk_key(document.id, chunk.index)
        store.put_json(
            key,
            {
                "index": chunk.index,
                "text": chunk.text,
                "page_start": chunk.page_start,
                "page_end": chunk.page_end,
                "tokens": chunk.tokens,
            },
        )
        items.append({"index": chunk.index, "key": key})
    return {"count": len(items), "tokens": sum(c.tokens for c in chunks), "items": items}
