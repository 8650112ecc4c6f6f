"""Plain text: find the encoding, decode, and split pages on form feeds.

Order of evidence, strongest first: a byte-order mark; the NUL-byte pattern of UTF-32 or
UTF-16 without a BOM; strict UTF-8; then charset-normalizer's statistical guess for legacy
single- and multi-byte encodings.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import CharsetMatch, from_bytes

from tasks.extract_text.common import (
    MEDIA_TYPE_TEXT,
    ExtractedText,
    ExtractionLimits,
    PageAccumulator,
    require_text,
)
from tasks.shared.errors import DocumentTooLargeError, UnsupportedDocumentError

EXTRACTOR = "text"

# Longest first: the UTF-32-LE BOM begins with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# The NUL-pattern sniff looks at this many leading bytes: enough for a stable ratio, cheap.
_SNIFF_BYTES = 4096
# Share of the code units in which the expected byte must be NUL to call it UTF-16/32.
# Latin-script UTF-16 is ~100% there; CJK has no NULs and is left to the other checks.
_NUL_PATTERN_SHARE = 0.6
# Share of the other byte positions that may be NUL (UTF-16 text is rarely U+xx00).
_NUL_NOISE_SHARE = 0.1

# Characters that do not occur in real text: C0 controls other than tab, newline, carriage
# return and form feed; DEL; C1 controls; the replacement character from lossy decoding.
_SUSPICIOUS_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")
_MAX_SUSPICIOUS_SHARE = 0.02
# A few stray control bytes (a NUL in a log line) do not make a short text binary.
_SUSPICIOUS_ALLOWANCE = 8

# charset-normalizer scores some single-byte code pages identically for the same bytes
# (e.g. Spanish in cp1252 vs cp1250 vs cp1257; Czech in ISO-8859-2 vs cp1250). When it
# cannot tell, prefer the encoding that is far more common in practice.
_TIE_PREFERENCE: tuple[str, ...] = ("cp1252", "iso8859-2")
_CHAOS_TIE = 0.005
_COHERENCE_TIE = 0.05
# Windows-1252's curly quotes, dashes, ellipsis, euro, trade mark and angle quotes.
_C1_BYTES = tuple(bytes([b]) for b in range(0x80, 0xA0))
_CP1252_PUNCTUATION = tuple(
    bytes([b])
    for b in (0x80, 0x82, 0x84, 0x85, 0x8B, 0x91, 0x92, 0x93, 0x94, 0x96, 0x97, 0x99, 0x9B)
)
_CP1252_PUNCTUATION_SHARE = 0.8
# Code pages of nearly extinct use (Esperanto/Maltese, Celtic) that tie with ISO-8859-1 on
# Nordic text and would otherwise win.
_EXCLUDED_CODECS = ["iso8859_3", "iso8859_14"]


def extract(data: bytes, limits: ExtractionLimits) -> ExtractedText:
    """Decode plain text in any common encoding; each form feed starts a new page.

    Raises:
        UnsupportedDocumentError: the bytes do not decode as text (binary content).
        DocumentTooLargeError: more characters or pages than `limits` allow.
        EmptyDocumentError: only whitespace.
    """
    text, encoding = decode(data)
    if len(text) > limits.max_characters:
        raise DocumentTooLargeError(
            f"The text document has {len(text):,} characters, more than the limit of "
            f"{limits.max_characters:,} characters."
        )
    segments = text.split("\f")
    # A form feed ends a page; one at the very end does not open another.
    if len(segments) > 1 and not segments[-1].strip():
        segments.pop()
    pages = PageAccumulator(limits, "text document")
    pages.check_page_count(len(segments))
    for segment in segments:
        pages.add(segment)
    result = ExtractedText(MEDIA_TYPE_TEXT, pages.pages, EXTRACTOR, encoding)
    return require_text(result, "text document")


def decode(data: bytes) -> tuple[str, str]:
    """Decode `data` as text and return it with the Python codec name used.

    Raises:
        UnsupportedDocumentError: the bytes are not text in any encoding tried.
    """
    text, encoding = _decode_any(data)
    # Fixed-size records are often NUL-padded; the padding says nothing about binary-ness.
    text = text.rstrip("\x00")
    # Counted by deleting rather than findall: binary input would build a list per byte.
    suspicious = len(text) - len(_SUSPICIOUS_RE.sub("", text))
    if suspicious > _SUSPICIOUS_ALLOWANCE and suspicious / len(text) > _MAX_SUSPICIOUS_SHARE:
        raise UnsupportedDocumentError(
            f"The document is not text: {suspicious:,} of its {len(text):,} characters are "
            f"control bytes even when decoded as {encoding}, so it is binary data of a type "
            "the pipeline does not support."
        )
    return text.replace("\x00", ""), encoding


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """The codec a byte-order mark at the start of `data` announces, and the BOM's length.

    utf-8-sig is Python's name for UTF-8 with a BOM; the others name the byte order the
    BOM announced.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding, len(bom)
    return None


def _decode_any(data: bytes) -> tuple[str, str]:
    marked = bom_encoding(data)
    if marked is not None:
        # A BOM is explicit; a damaged tail should not discard the rest of the text.
        encoding, length = marked
        return data[length:].decode(encoding, errors="replace"), encoding
    sniffed = sniff_utf16_32(data)
    if sniffed is not None:
        # A truncated upload can end mid code unit; that byte is lost either way.
        unit = 4 if sniffed.startswith("utf-32") else 2
        try:
            return data[: len(data) - len(data) % unit].decode(sniffed), sniffed
        except UnicodeDecodeError:
            pass  # Not UTF-16/32 after all: keep looking.
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass  # Not UTF-8: guess a legacy encoding.
    if _windows_punctuation(data):
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    match = _best_legacy_match(data)
    if match is None:
        raise UnsupportedDocumentError(
            "The document is not text: its bytes do not decode in any known encoding, so it "
            "is binary data of a type the pipeline does not support."
        )
    return str(match), _canonical(match.encoding)


def sniff_utf16_32(data: bytes) -> str | None:
    """Recognise UTF-32/UTF-16 without a BOM by where the NUL bytes fall."""
    sample = data[:_SNIFF_BYTES]
    if len(sample) >= 8:
        units = len(sample) // 4
        zero = [sum(1 for i in range(k, units * 4, 4) if sample[i] == 0) for k in range(4)]
        # Every BMP/astral code point has a NUL high byte: 00 00 xx yy (BE) or yy xx 00 00.
        if zero[0] == units and zero[1] / units > _NUL_PATTERN_SHARE and zero[3] < units:
            return "utf-32-be"
        if zero[3] == units and zero[2] / units > _NUL_PATTERN_SHARE and zero[0] < units:
            return "utf-32-le"
    if len(sample) >= 4:
        units = len(sample) // 2
        even = sum(1 for i in range(0, units * 2, 2) if sample[i] == 0) / units
        odd = sum(1 for i in range(1, units * 2, 2) if sample[i] == 0) / units
        if even > _NUL_PATTERN_SHARE and odd < _NUL_NOISE_SHARE:
            return "utf-16-be"
        if odd > _NUL_PATTERN_SHARE and even < _NUL_NOISE_SHARE:
            return "utf-16-le"
    return None


def _windows_punctuation(data: bytes) -> bool:
    """Whether the bytes 0x80-0x9F in `data` are mostly Windows-1252's typographic
    punctuation (curly quotes, dashes, ellipsis, euro): Word and Outlook's text, which the
    statistical guess otherwise gives to a Baltic or DOS code page with the same letters."""
    c1 = sum(data.count(byte) for byte in _C1_BYTES)
    if not c1:
        return False
    punctuation = sum(data.count(byte) for byte in _CP1252_PUNCTUATION)
    return punctuation / c1 >= _CP1252_PUNCTUATION_SHARE


def _best_legacy_match(data: bytes) -> CharsetMatch | None:
    matches = list(from_bytes(data, cp_exclusion=_EXCLUDED_CODECS))
    if not matches:
        return None
    best = matches[0]
    tied = [
        match
        for match in matches
        if abs(match.chaos - best.chaos) <= _CHAOS_TIE
        and match.coherence >= best.coherence - _COHERENCE_TIE
    ]

    def preference(match: CharsetMatch) -> tuple[int, int]:
        name = _canonical(match.encoding)
        rank = _TIE_PREFERENCE.index(name) if name in _TIE_PREFERENCE else len(_TIE_PREFERENCE)
        return rank, matches.index(match)

    return min(tied, key=preference)


def _canonical(encoding: str) -> str:
    return codecs.lookup(encoding).name
