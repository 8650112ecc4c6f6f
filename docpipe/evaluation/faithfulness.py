"""Whether a summary stays true to its document, measured without a model.

Support: a key point is supported when the pages it cites contain it lexically: at least a
threshold share of its distinct content words (lower-cased, stop-words and words shorter
than three characters dropped) occur in the cited pages, or the whole point occurs there
after whitespace and case are normalised. A lexical check rewards copying: a faithful
paraphrase in other words fails it, which the report's share must be read with.

ROUGE-L: the F1 of the longest common subsequence of lower-cased word tokens between a
summary and a reference summary (Lin, 2004, with beta = 1)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

SUPPORT_THRESHOLD = 0.8
MIN_WORD_LENGTH = 3

_WORD = re.compile(r"\w+")

# A small stop list per language, only words of MIN_WORD_LENGTH or more (shorter ones are
# dropped anyway).
_ENGLISH = (
    "the and for are but not you all any can her was one our out has had his how its may "
    "new now see who did get him let she too use that with have this will your from they "
    "been more when what were which their there than then them these those also into only "
    "over such some very would could should about after other being both each most same "
    "while where under again further here just because between through during before "
)
_GERMAN = (
    "der die das den dem des und oder ein eine einer einem einen eines ist sind war waren "
    "wird werden wurde wurden nicht mit von für auf aus bei nach über unter vor zum zur "
    "auch als wie wenn dass sich sie ihr ihre ihren wir uns man kein keine noch nur schon "
    "sehr hat haben hatte durch gegen ohne bis dies diese dieser dieses jede jeder jedes "
)
_FRENCH = (
    "les des une est sont été être avoir ont par pour dans sur avec sans sous mais que qui "
    "quoi dont elle elles ils nous vous leur leurs son ses cette ces cet aux comme plus "
    "pas tout tous toute toutes fait entre aussi très même donc car "
)
_SPANISH = (
    "los las una unos unas del por para con sin sobre entre pero como más muy "
    "este esta estos estas ese esa eso sus ser son fue fueron estar está están hay haber "
    "han tiene tienen todo todos toda todas también cuando donde desde hasta porque"
)
STOP_WORDS = frozenset(
    word for words in (_ENGLISH, _GERMAN, _FRENCH, _SPANISH) for word in words.split()
)


@dataclass(frozen=True)
class PointCheck:
    """One key point and whether its cited pages support it."""

    text: str
    pages: tuple[int, int] | None
    supported: bool
    share: float | None  # of its content words found in the cited pages; None: it has none
    missing: list[str]  # its content words the cited pages lack


@dataclass(frozen=True)
class FaithfulnessResult:
    """The key points of one summary: how many, how many supported, the unsupported ones."""

    points: int
    supported: int
    share: float | None  # supported / points; None when there are no points
    unsupported: list[PointCheck]


@dataclass(frozen=True)
class RougeScore:
    """ROUGE-L of a candidate against a reference."""

    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class UnsupportedPoint:
    """An unsupported point in the figures of a whole set."""

    file: str
    text: str
    pages: tuple[int, int] | None
    share: float | None


@dataclass(frozen=True)
class FaithfulnessFigures:
    """Faithfulness over a set: support of the points, and mean ROUGE-L where a document
    has a reference summary."""

    documents: int
    points: int
    supported_points: int
    supported_share: float | None
    rouge_l_documents: int
    rouge_l_f1: float | None  # mean over those documents
    unsupported: list[UnsupportedPoint] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON."""
        return asdict(self)


def content_words(text: str) -> list[str]:
    """The distinct content words of `text` in order: lower-cased word tokens without
    stop-words and words shorter than MIN_WORD_LENGTH."""
    words = (w for w in _WORD.findall(text.lower()) if len(w) >= MIN_WORD_LENGTH)
    return list(dict.fromkeys(w for w in words if w not in STOP_WORDS))


def check_point(
    text: str,
    cited: Sequence[int] | None,
    pages: Sequence[Mapping[str, Any]],
    *,
    threshold: float = SUPPORT_THRESHOLD,
) -> PointCheck:
    """Whether the pages `cited` ([first, last], inclusive) of `pages` ({"number", "text"})
    support the point `text`. A point citing no page, or pages the document lacks, is not
    supported. A point without content words is supported only as a substring."""
    span = (int(cited[0]), int(cited[-1])) if cited else None
    source = (
        " ".join(str(page["text"]) for page in pages if span[0] <= int(page["number"]) <= span[1])
        if span
        else ""
    )
    words = content_words(text)
    present = set(_WORD.findall(source.lower()))
    missing = [w for w in words if w not in present]
    share = (len(words) - len(missing)) / len(words) if words else None
    substring = bool(_normalised(text)) and _normalised(text) in _normalised(source)
    supported = substring or (share is not None and share >= threshold)
    return PointCheck(text, span, supported, share, missing)


def check_summary(
    key_points: Iterable[Mapping[str, Any]],
    pages: Sequence[Mapping[str, Any]],
    *,
    threshold: float = SUPPORT_THRESHOLD,
) -> FaithfulnessResult:
    """Checks every key point ({"text", "pages": [first, last]}, as in a result) of a summary
    against the document's `pages` ({"number", "text"})."""
    checks = [
        check_point(str(p["text"]), p.get("pages"), pages, threshold=threshold) for p in key_points
    ]
    supported = sum(c.supported for c in checks)
    return FaithfulnessResult(
        points=len(checks),
        supported=supported,
        share=supported / len(checks) if checks else None,
        unsupported=[c for c in checks if not c.supported],
    )


def rouge_l(candidate: str, reference: str) -> RougeScore:
    """ROUGE-L of `candidate` against `reference` over lower-cased word tokens; all zero
    when either has no words."""
    produced = _WORD.findall(candidate.lower())
    expected = _WORD.findall(reference.lower())
    common = _lcs_length(produced, expected)
    if not common:
        return RougeScore(0.0, 0.0, 0.0)
    precision, recall = common / len(produced), common / len(expected)
    return RougeScore(precision, recall, 2 * precision * recall / (precision + recall))


def faithfulness_figures(
    checks: Mapping[str, FaithfulnessResult], rouge: Mapping[str, RougeScore] | None = None
) -> FaithfulnessFigures:
    """The figures of a set from each document's check (by file) and, where it has a
    reference summary, its ROUGE-L (by file). The supported share is over all points."""
    points = sum(c.points for c in checks.values())
    supported = sum(c.supported for c in checks.values())
    scores = list((rouge or {}).values())
    return FaithfulnessFigures(
        documents=len(checks),
        points=points,
        supported_points=supported,
        supported_share=supported / points if points else None,
        rouge_l_documents=len(scores),
        rouge_l_f1=sum(s.f1 for s in scores) / len(scores) if scores else None,
        unsupported=[
            UnsupportedPoint(file, point.text, point.pages, point.share)
            for file, check in checks.items()
            for point in check.unsupported
        ],
    )


def _normalised(text: str) -> str:
    return " ".join(text.lower().split())


def _lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence, in O(len(a) * len(b)) time, O(len(b)) space."""
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]
