"""Token-budgeted chunking with overlap and page ranges."""

from __future__ import annotations

import itertools

import pytest

from tasks.chunk_text.chunking import chunk_pages
from tasks.shared.models import Page
from tasks.shared.tokens import estimate_tokens


def sentences(prefix: str, count: int) -> str:
    return " ".join(f"{prefix} sentence number {i} says something useful." for i in range(count))


def test_estimate_counts_words_punctuation_and_cjk_characters() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("Hello, world.") == 4
    assert estimate_tokens("internationalization") == 4
    assert estimate_tokens("한국어") == 3


def test_short_document_is_one_chunk_with_its_pages() -> None:
    chunks = chunk_pages([Page(1, "Alpha."), Page(2, "Beta.")], max_tokens=100, overlap_tokens=10)
    assert len(chunks) == 1
    assert (chunks[0].page_start, chunks[0].page_end) == (1, 2)
    assert chunks[0].text == "Alpha.\n\nBeta."


def test_every_chunk_respects_the_budget_and_text_is_not_lost() -> None:
    # Given ten pages of paragraphs
    pages = [
        Page(n, "\n\n".join(sentences(f"p{n}x{k}", 6) for k in range(3))) for n in range(1, 11)
    ]
    # When chunked with a small budget and overlap
    chunks = chunk_pages(pages, max_tokens=120, overlap_tokens=30)
    # Then no chunk exceeds the budget, indexes run in order, pages never go backwards
    assert len(chunks) > 5
    assert all(c.tokens <= 120 for c in chunks)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert all(a.page_start <= b.page_start for a, b in itertools.pairwise(chunks))
    # And every sentence appears in some chunk
    joined = "\n".join(c.text for c in chunks)
    for page in pages:
        for paragraph in page.text.split("\n\n"):
            for sentence in paragraph.split(". "):
                assert sentence.rstrip(".") in joined


def test_consecutive_chunks_overlap() -> None:
    text = "\n\n".join(sentences(f"para{k}", 2) for k in range(30))
    chunks = chunk_pages([Page(1, text)], max_tokens=80, overlap_tokens=30)
    assert len(chunks) > 3
    for previous, following in itertools.pairwise(chunks):
        last_paragraph = previous.text.split("\n\n")[-1]
        assert following.text.startswith(last_paragraph)


def test_zero_overlap_repeats_nothing() -> None:
    text = "\n\n".join(sentences(f"para{k}", 2) for k in range(30))
    chunks = chunk_pages([Page(1, text)], max_tokens=80, overlap_tokens=0)
    paragraphs = [p for c in chunks for p in c.text.split("\n\n")]
    assert len(paragraphs) == len(set(paragraphs)) == 30


def test_oversized_paragraph_and_unspaced_text_are_split() -> None:
    long_sentence = " ".join(["word"] * 500)
    cjk = "가" * 700
    chunks = chunk_pages([Page(1, long_sentence), Page(2, cjk)], max_tokens=100, overlap_tokens=0)
    assert all(c.tokens <= 100 for c in chunks)
    assert sum(c.text.count("word") for c in chunks) == 500
    assert sum(c.text.count("가") for c in chunks) == 700


def test_blank_pages_give_no_chunks() -> None:
    assert chunk_pages([Page(1, "  \n\n "), Page(2, "")], max_tokens=50, overlap_tokens=5) == []


@pytest.mark.parametrize(("budget", "overlap"), [(0, 0), (10, 10), (10, -1)])
def test_invalid_budgets_are_refused(budget: int, overlap: int) -> None:
    with pytest.raises(ValueError):
        chunk_pages([Page(1, "x")], max_tokens=budget, overlap_tokens=overlap)
