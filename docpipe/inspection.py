"""`docpipe extract`: what the Extract Text task sees in a file, without running the pipeline."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tasks.extract_text.extraction import extract_text
from tasks.extract_text.task import configured_limits, language_of
from tasks.shared.errors import BadInputError
from tasks.shared.settings import Settings


def describe_extraction(path: Path) -> dict[str, Any]:
    """Extract `path` with the configured limits; the text per page and its metadata.

    Bad input is reported with its error name, as the pipeline would fail the document.
    """
    started = time.perf_counter()
    result: dict[str, Any] = {"file": str(path), "error": None}
    try:
        extracted = extract_text(path.read_bytes(), configured_limits(Settings.from_env()))
    except BadInputError as exc:
        result["error"] = {"type": type(exc).__name__, "message": str(exc)}
        return result
    result.update(
        media_type=extracted.media_type,
        pages=len(extracted.pages),
        characters=extracted.characters,
        language=language_of(extracted),
        extractor=extracted.extractor,
        encoding=extracted.encoding,
        seconds=round(time.perf_counter() - started, 3),
        text_pages=[{"number": p.number, "text": p.text} for p in extracted.pages],
    )
    return result
