"""Token-budgeted chunking with overlap that keeps page boundaries for citations."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from tasks.shared.models import Page
from tasks.shared.tokens import estimate_tokens

_PARAGRAPH_RE = re.compile(r"\n\s*\n")
_SENTENCE_RE = re.compile(r"(?<=[.!?\u3002\uff01\uff1f])\s+")


@dataclass(frozen=True)
class Chunk:
    """A chunk of text, the page range it covers (inclusive) and its estimated tokens.

    `pages` is the same text split by page, (page number, text) in order, so a summary can
    cite the exact page of each point. `new_tokens` leaves out the overlap repeated from the
    previous chunk: summed over the chunks it is the document's own token count.
    """

    index: int
    text: str
    page_start: int
    page_end: int
    tokens: int
    pages: tuple[tuple[int, str], ...] = ()
    new_tokens: int = 0


@dataclass(frozen=True)
class _Unit:
    text: str
    page: int
    tokens: int


def _split_to_budget(text: str, budget: int) -> Iterator[str]:
    """Split an over-long piece into sentences, then word windows, then character windows."""
    if estimate_tokens(text) <= budget:
        yield text
        return
    sentences = _SENTENCE_RE.split(text)
    if len(sentences) > 1:
        for sentence in sentences:
            yield from _split_to_budget(sentence, budget)
        return
    words = text.split()
    if len(words) > 1:
        window: list[str] = []
        used = 0
        for word in words:
            cost = estimate_tokens(word)
            if window and used + cost > budget:
                yield " ".join(window)
                window, used = [], 0
            window.append(word)
            used += cost
        if window:
            yield " ".join(window)
        return
    # One unbroken run (e.g. CJK without spaces): cut by characters.
    step = max(1, budget)
    for start in range(0, len(text), step):
        yield text[start : start + step]


def _units(pages: Iterable[Page], budget: int) -> Iterator[_Unit]:
    for page in pages:
        for paragraph in _PARAGRAPH_RE.split(page.text):
            paragraph = paragraph.strip()
            if not paragraph:
                continue
            for piece in _split_to_budget(paragraph, budget):
                piece = piece.strip()
                if piece:
                    yield _Unit(piece, page.number, estimate_tokens(piece))


def chunk_pages(pages: Sequence[Page], *, max_tokens: int, overlap_tokens: int) -> list[Chunk]:
    """Pack paragraphs into chunks of at most `max_tokens`, repeating up to `overlap_tokens`
    of trailing text at the start of the next chunk so no sentence loses its context.
    """
    if max_tokens <= 0:
        raise ValueError("max_tokens must be positive")
    if not 0 <= overlap_tokens < max_tokens:
        raise ValueError("overlap_tokens must be in [0, max_tokens)")
    chunks: list[Chunk] = []
    current: list[_Unit] = []
    used = 0
    fresh = 0  # units in `current` that are not overlap from the previous chunk

    def emit() -> None:
        by_page: list[tuple[int, list[str]]] = []
        for unit in current:
            if by_page and by_page[-1][0] == unit.page:
                by_page[-1][1].append(unit.text)
            else:
                by_page.append((unit.page, [unit.text]))
        chunks.append(
            Chunk(
                index=len(chunks),
                text="\n\n".join(u.text for u in current),
                page_start=current[0].page,
                page_end=current[-1].page,
                tokens=sum(u.tokens for u in current),
                pages=tuple((page, "\n\n".join(texts)) for page, texts in by_page),
                new_tokens=sum(u.tokens for u in current[len(current) - fresh :]),
            )
        )

    for unit in _units(pages, max_tokens):
        if current and used + unit.tokens > max_tokens and fresh:
            emit()
            carried: list[_Unit] = []
            carried_tokens = 0
            for previous in reversed(current):
                if carried_tokens + previous.tokens > overlap_tokens:
                    break
                carried.insert(0, previous)
                carried_tokens += previous.tokens
            # Overlap must leave room for the new unit, or the chunk would exceed the budget.
            while carried and carried_tokens + unit.tokens > max_tokens:
                carried_tokens -= carried.pop(0).tokens
            current, used, fresh = carried, carried_tokens, 0
        current.append(unit)
        used += unit.tokens
        fresh += 1
    if current and fresh:
        emit()
    return chunks
