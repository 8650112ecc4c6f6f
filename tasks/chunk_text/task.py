"""Chunk Text: split the extracted text into token-budgeted chunks stored in S3.

This is also where the token budget is enforced: the document's tokens are known here,
before any model call. Above `DOCPIPE_MAX_DOCUMENT_TOKENS` the document goes to the cheaper
`DOCPIPE_BUDGET_MODEL_ID` when one is configured, and fails with BudgetExceededError
otherwise. The state carries chunk indices only (keys follow from the document id), so even
the largest allowed document stays far below Step Functions' 256 KiB payload limit. The
Map's concurrency comes from here too (`DOCPIPE_MODEL_CALLS_PER_DOCUMENT`), so it is a
setting of the deployment, sized from the model's quota, not a number in the ASL.
"""

from __future__ import annotations

from typing import Any

from tasks.chunk_text.chunking import chunk_pages
from tasks.shared.errors import BudgetExceededError, DocumentTooLargeError, EmptyDocumentError
from tasks.shared.models import DocumentRef, Page
from tasks.shared.settings import DEFAULT_MODEL_CALLS_PER_DOCUMENT
from tasks.shared.storage import ArtifactStore, chunk_key

# An inline Map writes about 7 history events per item; Step Functions keeps at most 25,000
# per execution. 2,000 chunks (3 million tokens at the local chunk size) leaves room for
# retries and the other states.
MAX_CHUNKS = 2000


def chunk_document(
    document: DocumentRef,
    text_key: str,
    store: ArtifactStore,
    *,
    max_tokens: int,
    overlap_tokens: int,
    max_document_tokens: int,
    budget_model_id: str = "",
    concurrent_calls: int = DEFAULT_MODEL_CALLS_PER_DOCUMENT,
) -> dict[str, Any]:
    """Write each chunk to S3 and return their count and indices (never the text), and
    `concurrent_calls`, how many chunks the Map summarizes at once (its MaxConcurrencyPath).

    Raises:
        EmptyDocumentError: nothing to chunk.
        BudgetExceededError: more tokens than `max_document_tokens` and no budget model.
        DocumentTooLargeError: more chunks than one execution's history can hold.
    """
    artifact = store.get_json(text_key)
    pages = [Page(int(p["number"]), str(p["text"])) for p in artifact["pages"]]
    chunks = chunk_pages(pages, max_tokens=max_tokens, overlap_tokens=overlap_tokens)
    if not chunks:
        raise EmptyDocumentError("the document has no text to chunk")
    document_tokens = sum(chunk.new_tokens for chunk in chunks)
    model_id = ""
    if document_tokens > max_document_tokens:
        if not budget_model_id:
            raise BudgetExceededError(
                f"The document has about {document_tokens:,} tokens; the per-document cap "
                f"is {max_document_tokens:,} (DOCPIPE_MAX_DOCUMENT_TOKENS). No model was "
                "called. Raise the cap or configure a cheaper budget model."
            )
        model_id = budget_model_id
    if len(chunks) > MAX_CHUNKS:
        raise DocumentTooLargeError(
            f"The document makes {len(chunks):,} chunks of {max_tokens:,} tokens; one "
            f"execution summarizes at most {MAX_CHUNKS:,}."
        )
    for chunk in chunks:
        store.put_json(
            chunk_key(document.id, chunk.index),
            {
                "index": chunk.index,
                "text": chunk.text,
                "page_start": chunk.page_start,
                "page_end": chunk.page_end,
                "pages": [{"number": page, "text": text} for page, text in chunk.pages],
                "tokens": chunk.tokens,
            },
        )
    return {
        "count": len(chunks),
        "tokens": sum(chunk.tokens for chunk in chunks),
        "document_tokens": document_tokens,
        "items": [chunk.index for chunk in chunks],
        "model_id": model_id,
        "concurrent_calls": concurrent_calls,
    }
