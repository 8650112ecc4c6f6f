"""Text helpers the model providers share: sentence units, boilerplate and repeat removal,
and joining key points within a character budget.

Pure Python (pysbd imported on use): the Bedrock Lambdas import this module and their
bundle has neither numpy nor the offline model.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
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
# Running headers and footers sit in the first or last few lines of a page: a title and a
# chapter line above, a page number, a URL or a copyright line below.
_PAGE_EDGE_LINES = 3
# Inside a multi-page chunk, pages are only visible as blank-line blocks (chunk_text joins
# paragraphs with blank lines), so a block's first and last lines also count as edges.
_BLOCK_EDGE_LINES = 2
# A running line repeats at the edges of at least this share of the pages between its first
# and last occurrence: 0.5 for headers printed on alternate (left or right) pages, less a
# margin for blank pages, chapter openers and full-page figures that carry none.
_RUNNING_LINE_SHARE = 0.4
_RUNNING_LINE_MIN_PAGES = 2
_ROMAN = r"m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})"
# A line that is nothing but a page number: "12", "- 4 -", "Page 3 of 10", "p. 7", "iv",
# "3/10", "[5]".
_PAGE_NUMBER_LINE = re.compile(
    rf"[\s\-\u2013\u2014|.\[\]()]*(?:(?:page|pg\.?|p\.)\s*)?(?:\d{{1,5}}|(?=[ivxlcdm])(?:{_ROMAN}))"
    rf"(?:\s*(?:of|/)\s*\d{{1,5}})?[\s\-\u2013\u2014|.\[\]()]*",
    re.IGNORECASE,
)
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
# A line or sentence ending like this goes on.
_OPEN_ENDS = (",", "-", "\u2013", ";")

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
    This is the blunt rule for text whose pages cannot be told apart (the classifier's
    input: opening plus summary); summaries use `find_running_lines`, which looks at page
    edges only and so never cuts a repeated short line out of the middle of a sentence.
    """
    counts: Counter[str] = Counter()
    for text in texts:
        for line in text.splitlines():
            key = normalize_line(line)
            if key and word_count(key) <= _BOILERPLATE_MAX_WORDS:
                counts[key] += 1
    return frozenset(key for key, count in counts.items() if count >= 2)


def is_page_number_line(line: str) -> bool:
    """Whether a line holds nothing but a page number ("7", "- 7 -", "Page 7 of 9", "vii")."""
    return bool(_PAGE_NUMBER_LINE.fullmatch(line.strip()))


def running_key(line: str) -> str:
    """A comparison key for running headers and footers ("" for lines too long to be one).

    Case, whitespace and all digits are ignored, and so is a Roman numeral at either end,
    so "Annual Report 2023 | 14" and "Annual Report 2023 | 15", or "Preface vii" and
    "Preface ix", give one key. Unlike `normalize_line`, digits are ignored in lines of any
    length up to 15 words: only lines repeated at page edges are compared with this key.
    """
    words = " ".join(line.lower().split()).strip(_LINE_TRIM).split()
    if not words or len(words) > _BOILERPLATE_MAX_WORDS:
        return ""
    for end in (0, -1):
        if re.fullmatch(_ROMAN, words[end].strip(_LINE_TRIM)):
            words[end] = "#"
    return re.sub(r"\d+", "#", " ".join(words))


def _edge_lines(lines: Sequence[str], *, multi_page: bool) -> list[str]:
    """The lines where running headers and footers can stand (`lines` already collapsed).

    A passage's first and last lines are page edges when it is one page. A passage of
    several pages (a chunk) lost its page breaks, but they fall between blank-line blocks,
    so each block's first and last lines count too. Lines of several words starting in
    lower case are left out: they finish a sentence ("ovarian treatments." at the foot of
    the page after a heading "Ovarian treatments"), while a lower-case footer is one token
    (a URL).
    """
    filled = [i for i, line in enumerate(lines) if line]
    chosen = set(filled[:_PAGE_EDGE_LINES] + filled[-_PAGE_EDGE_LINES:])
    if multi_page:
        block: list[int] = []
        for i in [*range(len(lines)), len(lines)]:
            if i < len(lines) and lines[i]:
                block.append(i)
                continue
            chosen.update(block[:_BLOCK_EDGE_LINES] + block[-_BLOCK_EDGE_LINES:])
            block = []
    return [lines[i] for i in sorted(chosen) if not (lines[i][0].islower() and " " in lines[i])]


def find_running_lines(passages: Sequence[Passage]) -> frozenset[str]:
    """Running headers and footers of the passages' pages, as `running_key` keys.

    A line is running when its key stands at page edges (see `_edge_lines`) on at least two
    pages, and on at least 40% of the pages from its first to its last appearance: a book
    title on every left page over 300 pages qualifies, a heading that opens two pages far
    apart does not. A passage of n pages counts a key at most n times; as it does not show
    on which of its pages, k appearances are taken to fill k pages from its first. Bare
    page numbers need no repetition: `paragraphs` drops them anyway.
    """
    hits: dict[str, list[tuple[int, int]]] = {}
    for passage in passages:
        pages = max(1, passage.page_end - passage.page_start + 1)
        lines = [" ".join(raw.split()) for raw in passage.text.splitlines()]
        keys = Counter(running_key(line) for line in _edge_lines(lines, multi_page=pages > 1))
        for key, count in keys.items():
            if key:
                hits.setdefault(key, []).append((passage.page_start, min(count, pages)))
    running: set[str] = set()
    for key, places in hits.items():
        count = sum(n for _, n in places)
        span = max(start + n for start, n in places) - min(start for start, _ in places)
        if count >= _RUNNING_LINE_MIN_PAGES and count >= _RUNNING_LINE_SHARE * span:
            running.add(key)
    return frozenset(running)


def _is_heading(line: str, following: str) -> bool:
    """Whether a line that starts a paragraph is a heading rather than its first line.

    A heading is short and unpunctuated, and what follows starts afresh (a blank, a
    capitalised line clearly longer than it, or another title-case line: a title page's
    stack "Riverside Community Energy" / "Annual Review 2023"). The length test keeps the
    short first lines of narrow columns, which also lack punctuation, attached to their
    sentence.
    """
    if word_count(line) > _HEADING_MAX_WORDS or line.endswith((*_TERMINAL, ",", "-")):
        return False
    if not following:
        return True
    if _is_title_case(line) and _is_title_case(following):
        return True
    return not following[0].islower() and len(line) < _HEADING_LENGTH_RATIO * len(following)


def _is_stray(line: str, following: str) -> bool:
    """Whether a line at a page break that split a sentence is a header between its halves:
    short, unpunctuated, not in lower case, and followed by the lower-case continuation.

    As in `_is_heading`, it must also be clearly shorter than that continuation: a page
    that opens a new sentence in a narrow column ("This booklet has been prepared to help
    you understand more" / "about early breast cancer.") has a long first line.
    """
    return (
        bool(following)
        and following[0].islower()
        and not line[0].islower()
        and word_count(line) <= _HEADING_MAX_WORDS
        and not line.endswith((*_TERMINAL, ",", "-"))
        and len(line) < _HEADING_LENGTH_RATIO * len(following)
    )


def _is_title_case(line: str) -> bool:
    """Short, unpunctuated, and every word of four letters or more capitalised."""
    if word_count(line) > _HEADING_MAX_WORDS or line.endswith((*_TERMINAL, ",", "-")):
        return False
    return all(not w[0].islower() for w in line.split() if sum(c.isalpha() for c in w) >= 4)


def paragraphs(
    text: str, boilerplate: frozenset[str] = frozenset(), *, after_break: bool = False
) -> list[str]:
    """Rebuild paragraphs from extracted text with hard line breaks.

    Blank lines end a paragraph, unless it stopped mid-sentence and the text goes on in
    lower case (a page break inside a chunk); a short unpunctuated line standing between
    the two halves (a section header) is dropped. `after_break` says the text before this
    one stopped mid-sentence, so the same holds at its start. Bare page numbers and
    `boilerplate` lines (keys from `find_boilerplate_lines` or `find_running_lines`) are
    dropped; a heading stands alone, so it does not glue itself to the next sentence. Words
    hyphenated across a line break are rejoined.
    """
    lines = [" ".join(raw.split()) for raw in text.translate(_INVISIBLE_HYPHENS).splitlines()]
    lines = [
        line
        for line in lines
        if not line
        or not (
            is_page_number_line(line)
            or (
                boilerplate
                and (normalize_line(line) in boilerplate or running_key(line) in boilerplate)
            )
        )
    ]
    filled = [line for line in lines if line]
    result: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            result.append(" ".join(current))
            current.clear()

    previous_done = not after_break
    gap = after_break
    seen = 0  # non-empty lines so far
    for index, line in enumerate(lines):
        if not line:
            gap = True
            continue
        seen += 1
        if gap:
            gap = False
            if not previous_done and _is_stray(line, filled[seen] if seen < len(filled) else ""):
                gap = True  # the break goes on after the header
                continue
            # A page break inside a chunk is a blank line (once the running lines around it
            # are gone); a paragraph left unfinished and picked up in lower case goes on.
            if previous_done or not line[0].islower():
                flush()
                previous_done = True
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
    for sentence in _pieces(regex_sentences(paragraph), size):
        if current and len(current) + len(sentence) + 1 > size:
            blocks.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}" if current else sentence
    if current:
        blocks.append(current)
    return blocks


def _pieces(sentences: Iterable[str], size: int) -> Iterator[str]:
    """The sentences, each longer than `size` cut at spaces (or hard) into pieces of at most
    `size` chars: pysbd's abbreviation scan is quadratic in a block's length, and a run-on
    stretch with no sentence boundary (a table, a log line) was fed to it whole."""
    for sentence in sentences:
        while len(sentence) > size:
            cut = sentence.rfind(" ", 0, size)
            cut = cut if cut > 0 else size
            yield sentence[:cut]
            sentence = sentence[cut:].lstrip()
        if sentence:
            yield sentence


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
    """Candidate sentences of the passages, with running lines and exact repeats removed.

    A sentence cut by a page break (one passage per page) is rejoined and cites both pages.
    With `min_words=0` only empties, boilerplate and repeats are removed (the lenient pass
    used when the strict filters leave nothing).
    """
    running = find_running_lines(passages)
    units: list[Unit] = []
    seen: set[str] = set()
    for text, page_start, page_end, last in _page_sentences(passages, running):
        if min_words and not (
            is_content_sentence(text, min_words=min_words) and _is_whole(text, last=last)
        ):
            continue
        key = repeat_key(text)
        if not key or key in seen:
            continue
        seen.add(key)
        units.append(Unit(text, page_start, page_end, len(units)))
    return units


def _page_sentences(
    passages: Sequence[Passage], running: frozenset[str]
) -> list[tuple[str, int, int, bool]]:
    """(sentence, page_start, page_end, last of its passage) in order, page breaks mended.

    When a passage ends mid-sentence (see `_unfinished`) and the next passage, on the next
    page, goes on in lower case (or the first ends on a comma or a dash), the two halves
    are one sentence.
    """
    result: list[tuple[str, int, int, bool]] = []
    previous: Passage | None = None
    for passage in passages:
        after_break = (
            previous is not None
            and passage.page_start == previous.page_end + 1
            and _unfinished(result[-1][0])
        )
        sentences = split_sentences(paragraphs(passage.text, running, after_break=after_break))
        if not sentences:
            previous = None
            continue
        first = 0
        if previous is not None and after_break and _continues(result[-1][0], sentences[0]):
            tail = result[-1][0]
            joined = (
                tail[:-1] + sentences[0]
                if _HYPHEN_BREAK.search(tail) and sentences[0][0].islower()
                else f"{tail} {sentences[0]}"
            )
            result[-1] = (joined, previous.page_end, passage.page_start, len(sentences) == 1)
            first = 1
        last_index = len(sentences) - 1
        for index in range(first, len(sentences)):
            result.append(
                (sentences[index], passage.page_start, passage.page_end, index == last_index)
            )
        previous = passage
    return result


def _unfinished(tail: str) -> bool:
    """Whether a passage's last sentence was cut by the page break: unterminated, and too
    long for a heading (a page may well end on the heading of the next one) or ending on a
    comma or a dash."""
    if tail.endswith(_SENTENCE_END):
        return False
    return word_count(tail) > _HEADING_MAX_WORDS or tail.endswith(_OPEN_ENDS)


def _continues(tail: str, head: str) -> bool:
    """Whether `head` (a passage's first sentence) finishes `tail`, which is unfinished."""
    return head[0].islower() or tail.endswith(_OPEN_ENDS)


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
