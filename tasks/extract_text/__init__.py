"""Extract Text task: content-based type detection and text extraction with page boundaries."""

from __future__ import annotations

from tasks.extract_text.extraction import ExtractedText, ExtractionLimits, extract_text

__all__ = ["ExtractedText", "ExtractionLimits", "extract_text"]
