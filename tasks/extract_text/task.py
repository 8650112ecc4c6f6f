"""Extract Text: read the uploaded object, extract its text and page map, store the artifact."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from tasks.extract_text.extraction import ExtractedText, ExtractionLimits, extract_text
from tasks.extract_text.language import detect_language
from tasks.shared.models import DocumentRef
from tasks.shared.settings import Settings
from tasks.shared.storage import ArtifactStore, decode_event_key, text_key


def configured_limits(settings: Settings) -> ExtractionLimits:
    """The extraction limits of the settings (`DOCPIPE_MAX_*`)."""
    return ExtractionLimits(
        max_bytes=settings.max_document_bytes,
        max_pages=settings.max_pages,
        max_characters=settings.max_characters,
    )


def language_of(extracted: ExtractedText) -> str | None:
    """The dominant language of the extracted text (ISO 639-1), or None if undecidable."""
    return detect_language("\n".join(page.text for page in extracted.pages))


def extract_document(
    document: DocumentRef, store: ArtifactStore, limits: ExtractionLimits
) -> dict[str, Any]:
    """Extract `document` into `artifacts/<id>/text.json`; return the pointer and small facts."""
    data = store.read_document(
        document.bucket,
        decode_event_key(document.key),
        max_bytes=limits.max_bytes,
        version_id=document.version_id,
    )
    extracted = extract_text(data, limits)
    language = language_of(extracted)
    key = text_key(document.id)
    store.put_json(
        key,
        {
            "document_id": document.id,
            "media_type": extracted.media_type,
            "extractor": extracted.extractor,
            "encoding": extracted.encoding,
            "characters": extracted.characters,
            "language": language,
            "pages": [asdict(page) for page in extracted.pages],
        },
    )
    return {
        "key": key,
        "media_type": extracted.media_type,
        "pages": len(extracted.pages),
        "characters": extracted.characters,
        "extractor": extracted.extractor,
        "language": language,
    }
