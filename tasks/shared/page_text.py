"""Text of pages as the tasks write it: cleaned of control characters, and page lists as
people read them. Shared by the extraction and the OCR merge."""

from __future__ import annotations

import re

# C0 controls other than tab and newline, DEL, and the noncharacters U+FFFE/U+FFFF: they
# carry no text and upset JSON consumers and tokenizers downstream. pdfium marks a word
# hyphenated across lines with U+FFFE and returns TeX math glyphs as \x04, \x08, \x0c...
# Plain text splits pages on form feeds before this runs.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
# Anchored at the start of a run (the lookbehind): a run of a million spaces is scanned once,
# not once from each of its positions.
_TRAILING_SPACE_RE = re.compile(r"(?<![ \t])[ \t]+\n")


def clean_text(text: str) -> str:
    """Normalize newlines to \\n, drop control characters, trim line ends and the page."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL_RE.sub("", text)
    text = _TRAILING_SPACE_RE.sub("\n", text)
    return text.strip()


def page_ranges(numbers: tuple[int, ...] | list[int]) -> str:
    """'1-3, 7' for [1, 2, 3, 7]: page lists as people write them."""
    ranges: list[str] = []
    start = previous = None
    for number in [*sorted(numbers), None]:
        if previous is not None and number == previous + 1:
            previous = number
            continue
        if start is not None:
            ranges.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = number
    return ", ".join(ranges)
