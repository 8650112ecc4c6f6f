"""Detect the dominant language of extracted text, offline.

Backed by py3langid (BSD-3-Clause): a naive Bayes byte n-gram model of 140 labels that
ships inside its wheel (4.6 MB, pure Python plus numpy), so nothing is downloaded at run
time, and the same text always gets the same answer. The model loads once per process
(about 0.5 s, on the first call); a call then costs about a millisecond, because only a
bounded sample of the text is scored, however long the document.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol, cast

# The model is scored on at most this many characters: a third from the beginning, the
# middle and the end, so a cover page or an appendix in another language does not decide.
MAX_SAMPLE_CHARS = 10_000
# Below this many letters the model guesses ("Hello" comes out as Breton).
MIN_LETTERS = 10
# Confidence (after folding varieties into one code) below which the answer is None.
# Real paragraphs score above 0.9, one short sentence above 0.8; gibberish and evenly
# mixed scripts stay under 0.3.
MIN_CONFIDENCE = 0.5

# py3langid labels that are not ISO 639-1 codes but are varieties of one that is. They are
# folded into it before deciding: short Arabic often ranks Moroccan ("ary") first, with
# Standard Arabic a close second. Labels neither listed here nor two letters long (e.g.
# "zxx", no linguistic content; "pcm", Nigerian Pidgin) have no ISO 639-1 code: dropped.
_FOLD_INTO_ISO_639_1: dict[str, str] = {
    "ary": "ar",  # Moroccan Arabic
    "arz": "ar",  # Egyptian Arabic
    "wuu": "zh",  # Wu Chinese
    "yue": "zh",  # Cantonese
    "hbo": "he",  # Ancient Hebrew
    "uzs": "uz",  # Southern Uzbek
    "sdh": "ku",  # Southern Kurdish
    "gug": "gn",  # Paraguayan Guarani
    "fuv": "ff",  # Nigerian Fulfulde
    "kik": "ki",  # Kikuyu
    "ltg": "lv",  # Latgalian (within the Latvian macrolanguage)
}


class _Identifier(Protocol):
    """The part of py3langid's untyped `LanguageIdentifier` used here."""

    def rank(self, text: str) -> Sequence[tuple[str, float]]: ...


_identifier_lock = threading.Lock()
_identifiers: list[_Identifier] = []


def _identifier() -> _Identifier:
    # Loaded on the first detection only, so that importing this module (and the handler)
    # stays cheap. The lock makes concurrent first calls (the offline engine runs documents
    # on threads) load the model once, not once each.
    if not _identifiers:
        with _identifier_lock:
            if not _identifiers:
                _identifiers.append(_load_identifier())
    return _identifiers[0]


def _load_identifier() -> _Identifier:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    # norm_probs turns scores into probabilities, which can be summed across varieties
    # and compared with MIN_CONFIDENCE.
    return cast(_Identifier, LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True))


def sample_text(text: str, limit: int = MAX_SAMPLE_CHARS) -> str:
    """At most `limit` characters of `text`: all of it if short, else its beginning, middle
    and end, joined by newlines."""
    if len(text) <= limit:
        return text
    separator = "\n"  # keeps the last word of one window from joining the next one's first
    window = (limit - 2 * len(separator)) // 3
    middle = (len(text) - window) // 2
    return separator.join(
        (text[:window], text[middle : middle + window], text[len(text) - window :])
    )


def detect_language(text: str) -> str | None:
    """ISO 639-1 code (e.g. "en", "de", "ko", "ar", "he") of the dominant language, or None
    when the text is too short or undecidable.

    Only a bounded sample is read (see `sample_text`). Never raises on odd input: empty
    text, digits or punctuation only, gibberish and evenly mixed scripts give None.
    """
    if not isinstance(text, str):
        return None
    sample = sample_text(text)
    if sum(char.isalpha() for char in sample) < MIN_LETTERS:
        return None
    scores: dict[str, float] = {}
    for label, probability in _identifier().rank(sample):
        code = _FOLD_INTO_ISO_639_1.get(label, label)
        if len(code) == 2:
            scores[code] = scores.get(code, 0.0) + probability
    if not scores:
        return None
    # Ties (impossible in practice) go to the code that sorts first, not to dict order.
    best = min(scores, key=lambda code: (-scores[code], code))
    return best if scores[best] >= MIN_CONFIDENCE else None
