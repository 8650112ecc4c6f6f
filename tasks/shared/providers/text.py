"""Text helpers the model providers share: sentence units, boilerplate and repeat removal,
and joining key points within a character budget.

Pure Python (pysbd imported on use): the Bedrock Lambdas import this module and their
bundle has neither numpy nor the offline model.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tasks.shared.models import KeyPoint, Passage

POINT_SEPARATOR = " "

# pysbd's cost grows faster than linearly with the length of the string it is given
# (measured: 2k chars 15 ms, 8k 55 ms, 32k 540 ms), so it only ever sees blocks of about
# this size, cut at unambiguous regex boundaries first.
_PYSBD_BLOCK_CHARS = 2_000
# Above this many characters in one call the regex splitter alone is used: pysbd runs at
# about 3-7 ms per 1,000 characters, which for a 3 MB novel would be 10-20 s.
_PYSBD_MAX_TOTAL_CHARS = 200_000

# A line this short (in words) that repeats is a running header or footer, not content.
_BOILERPLATE_MAX_WORDS = 15
# In lines this short, numbers are page numbers or dates: ignored when comparing lines.
_NUMBERED_LINE_MAX_WORDS = 6
_LINE_TRIM = " .,;:-|\u2013\u2014\u00b7\u2022"
# A line with no closing punctuation and at most this many words is a heading or a label,
# when it is also this much shorter than the line after it.
_HEADING_MAX_WORDS = 10
_HEADING_LENGTH_RATIO = 0.7
# Sentences longer than this are table dumps or extraction debris, not summary material.
_MAX_SENTENCE_CHARS = 1_200

# Typographic quotes and dashes are written as escapes so the source stays unambiguous.
_CLOSING_QUOTES = "\"'\u201d\u2019"
_OPENING_QUOTES = "\"'\u201c\u2018"
_SENTENCE_END = (".", "!", "?", "\u2026", ")", "]", *_CLOSING_QUOTES)
_TERMINAL = (*_SENTENCE_END, ":", ";")

_ABBREVIATION = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Mt|vs|etc|al|cf|approx|No|Nos|Fig|Figs|Eq|Vol|pp"
    r"|Inc|Ltd|Corp|Co|Dept|Gen|Col|Capt|Lt|Sgt|Rev|Hon|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep"
    r"|Sept|Oct|Nov|Dec)\.|\b[A-Z]\.|\b(?:e\.g|i\.e|U\.S|U\.K|a\.m|p\.m)\.)$"
)
_BOUNDARY = re.compile(
    rf"(?<=[.!?\u2026])[{_CLOSING_QUOTES})\]]*\s+(?=[{_OPENING_QUOTES}(\[]?[A-Z0-9])"
)
# Chinese and Japanese have no spaces: each character counts as a word (Hangul is spaced).
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
# Full-width sentence ends need no following space or capital.
_CJK_BOUNDARY = re.compile(r"(?<=[\u3002\uff01\uff1f])")
# pypdfium2 marks a hyphen it removed at a line end with U+FFFE; U+00AD is a soft hyphen.
_INVISIBLE_HYPHENS = str.maketrans("", "", "\ufffe\u00ad")
_DOT_LEADER = re.compile(r"(?:\.\s?){4,}|(?:_\s?){4,}|(?:-\s?){4,}")
_HYPHEN_BREAK = re.compile(r"(\w)-$")


@dataclass(frozen=True)
class Unit:
    """A candidate sentence (or key point), its page range and its place in the input."""

    text: str
    page_start: int
    page_end: int
    order: int


def word_count(text: str) -> int:
    """Number of words (runs of letters/digits) in `text`."""
    return len(_WORD.findall(text))


def normalize_line(line: str) -> str:
    """A comparison key for a line: case and whitespace ignored, and in short lines digits.

    Digits become '#' in lines of at most six words, so that "Page 3 of 10" and "Page 4 of
    10" are the same footer, while sentences that differ only in their figures ("Revenue
    was 5 million." / "Revenue was 7 million.") stay different.
    """
    collapsed = " ".join(line.lower().split()).strip(_LINE_TRIM)
    if word_count(collapsed) <= _NUMBERED_LINE_MAX_WORDS:
        return re.sub(r"\d+", "#", collapsed)
    return collapsed


def repeat_key(text: str) -> str:
    """A comparison key for exact-repeat detection: letters and digits only, lowercased."""
    return " ".join(_WORD.findall(text.lower()))


def find_boilerplate_lines(texts: Iterable[str]) -> frozenset[str]:
    """Normalized short lines that occur at least twice across `texts`.

    These are running headers and footers (title, chapter, "Page n"): they repeat on every
    page and would otherwise dominate any centrality ranking (see the offline-models notes).
    Twice is enough because a chunk spanning two pages holds its header twice.
    """
    counts: Counter[str] = Counter()
    for text in texts:
        for line in text.splitlines():
            key = normalize_line(line)
            if key and word_count(key) <= _BOILERPLATE_MAX_WORDS:
                counts[key] += 1
    return frozenset(key for key, count in counts.items() if count >= 2)


def _is_heading(line: str, following: str) -> bool:
    """Whether a line that starts a paragraph is a heading rather than its first line.

    A heading is short and unpunctuated, and what follows starts afresh (a blank, or a
    capitalised line clearly longer than it). The length test keeps the short first lines
    of narrow columns, which also lack punctuation, attached to their sentence.
    """
    if word_count(line) > _HEADING_MAX_WORDS or line.endswith((*_TERMINAL, ",", "-")):
        return False
    if not following:
        return True
    return not following[0].islower() and len(line) < _HEADING_LENGTH_RATIO * len(following)


def paragraphs(text: str, boilerplate: frozenset[str] = frozenset()) -> list[str]:
    """Rebuild paragraphs from extracted text with hard line breaks.

    Blank lines end a paragraph; boilerplate lines are dropped; a heading stands alone, so
    it does not glue itself to the next sentence. Words hyphenated across a line break are
    rejoined.
    """
    lines = [" ".join(raw.split()) for raw in text.translate(_INVISIBLE_HYPHENS).splitlines()]
    if boilerplate:
        lines = [line for line in lines if not line or normalize_line(line) not in boilerplate]
    result: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            result.append(" ".join(current))
            current.clear()

    previous_done = True
    for index, line in enumerate(lines):
        if not line:
            flush()
            previous_done = True
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if previous_done and _is_heading(line, following):
            flush()
            result.append(line)
            continue
        if current and _HYPHEN_BREAK.search(current[-1]) and line[:1].islower():
            current[-1] = current[-1][:-1] + line
        else:
            current.append(line)
        previous_done = line.endswith(_SENTENCE_END)
    flush()
    return result


def regex_sentences(text: str) -> list[str]:
    """Split on sentence punctuation followed by a capital, keeping common abbreviations.

    Fast (about 10 ms per 200 kB) and good enough for large inputs; pysbd is better on
    quotes and lists.
    """
    sentences: list[str] = []
    pending = ""
    start = 0
    for match in _BOUNDARY.finditer(text):
        pending += text[start : match.end()]
        start = match.end()
        if _ABBREVIATION.search(pending.rstrip().rstrip(_CLOSING_QUOTES + ")]")):
            continue
        if pending.strip():
            sentences.append(pending.strip())
        pending = ""
    pending += text[start:]
    if pending.strip():
        sentences.append(pending.strip())
    return sentences


def _blocks(paragraph: str, size: int) -> list[str]:
    """Cut a long paragraph into blocks of about `size` chars at regex sentence boundaries."""
    if len(paragraph) <= size:
        return [paragraph]
    blocks: list[str] = []
    current = ""
    for sentence in regex_sentences(paragraph):
        if current and len(current) + len(sentence) + 1 > size:
            blocks.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}" if current else sentence
    if current:
        blocks.append(current)
    return blocks


def split_sentences(paragraph_list: Sequence[str]) -> list[str]:
    """Sentences of the paragraphs, in order: pysbd for normal sizes, the regex beyond."""
    total = sum(len(p) for p in paragraph_list)
    if total > _PYSBD_MAX_TOTAL_CHARS:
        return _split_cjk(s for p in paragraph_list for s in regex_sentences(p))
    import pysbd  # imported here: the Bedrock Lambdas import this module but lack pysbd

    # A Segmenter keeps the text it works on as an attribute, so one per call keeps the
    # threads of the offline engine apart (construction costs microseconds). `processor`
    # skips segment()'s quadratic search for character offsets nobody uses here.
    segmenter = pysbd.Segmenter(language="en", clean=False)
    sentences: list[str] = []
    for paragraph in paragraph_list:
        for block in _blocks(paragraph, _PYSBD_BLOCK_CHARS):
            sentences.extend(segmenter.processor(block).process())
    return _split_cjk(sentences)


def _split_cjk(sentences: Iterable[str]) -> list[str]:
    """The sentences split again after full-width stops (U+3002 U+FF01 U+FF1F), stripped."""
    result: list[str] = []
    for sentence in sentences:
        for part in _CJK_BOUNDARY.split(sentence):
            part = part.strip()
            if part:
                result.append(part)
    return result


def is_content_sentence(text: str, *, min_words: int) -> bool:
    """Whether a sentence is worth ranking: long enough, mostly words, not a TOC line."""
    if len(text) > _MAX_SENTENCE_CHARS:
        return False
    words = word_count(text)
    if words < min_words:
        return False
    if _DOT_LEADER.search(text):
        return False
    visible = [c for c in text if not c.isspace()]
    letters = sum(c.isalpha() for c in visible)
    if letters < 0.6 * len(visible):
        return False
    # An unterminated short "sentence" is a heading, a table row or a list label.
    return text.endswith(_SENTENCE_END) or words >= _HEADING_MAX_WORDS


def _is_whole(sentence: str, *, last: bool) -> bool:
    """Not a fragment: chunks are cut on token budgets, so a passage can start or end
    mid-sentence; a lowercase start or an unterminated last sentence shows the cut."""
    if sentence[0].islower():
        return False
    return not last or sentence.endswith(_SENTENCE_END)


def passage_units(passages: Sequence[Passage], *, min_words: int) -> list[Unit]:
    """Candidate sentences of the passages, with boilerplate and exact repeats removed.

    With `min_words=0` only empties, boilerplate and repeats are removed (the lenient pass
    used when the strict filters leave nothing).
    """
    boilerplate = find_boilerplate_lines(p.text for p in passages)
    units: list[Unit] = []
    seen: set[str] = set()
    for passage in passages:
        sentences = split_sentences(paragraphs(passage.text, boilerplate))
        for index, sentence in enumerate(sentences):
            if min_words and not (
                is_content_sentence(sentence, min_words=min_words)
                and _is_whole(sentence, last=index == len(sentences) - 1)
            ):
                continue
            key = repeat_key(sentence)
            if not key or key in seen:
                continue
            seen.add(key)
            units.append(Unit(sentence, passage.page_start, passage.page_end, len(units)))
    return units


def point_units(points: Iterable[KeyPoint]) -> list[Unit]:
    """Key points as candidate units (exact repeats from overlapping chunks removed)."""
    units: list[Unit] = []
    seen: set[str] = set()
    for point in points:
        text = " ".join(point.text.split())
        key = repeat_key(text)
        if not key or key in seen:
            continue
        seen.add(key)
        units.append(Unit(text, point.page_start, point.page_end, len(units)))
    return units


def truncate(text: str, max_chars: int) -> str:
    """`text` cut at a word boundary to at most `max_chars` characters, marked with '…'."""
    if len(text) <= max_chars:
        return text
    if max_chars <= 1:
        return text[:max_chars]
    cut = text[: max_chars - 1]
    space = cut.rfind(" ")
    if space > max_chars // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


def join_points(points: Sequence[KeyPoint]) -> str:
    """The readable summary text: the points in order, as one paragraph."""
    return POINT_SEPARATOR.join(p.text for p in points)


def fit_points(points: Sequence[KeyPoint], max_chars: int) -> list[KeyPoint]:
    """The leading points whose joined text fits in `max_chars`.

    When not even the first fits, it is truncated, so a summary is never empty just
    because one point is long.
    """
    kept: list[KeyPoint] = []
    used = 0
    for point in points:
        extra = len(point.text) + (len(POINT_SEPARATOR) if kept else 0)
        if used + extra > max_chars:
            break
        kept.append(point)
        used += extra
    if not kept and points and max_chars > 0:
        first = points[0]
        kept.append(KeyPoint(truncate(first.text, max_chars), first.page_start, first.page_end))
    return kept
