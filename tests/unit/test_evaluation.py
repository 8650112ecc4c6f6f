"""The measuring half of `docpipe eval`: labels CSV matching, metrics, faithfulness, ROUGE-L and
the report, each against values computed by hand on small examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from docpipe.errors import UsageError
from docpipe.evaluation.faithfulness import (
    FaithfulnessResult,
    check_point,
    check_summary,
    content_words,
    faithfulness_figures,
    rouge_l,
)
from docpipe.evaluation.labelled import (
    AmbiguousLabelRowError,
    ConflictingLabelsError,
    LabelsFileError,
    MissingLabelColumnError,
    UnmatchedLabelRowError,
    read_labels,
)
from docpipe.evaluation.metrics import FAILED_COLUMN, calibration, evaluate
from docpipe.evaluation.report import (
    BaselineError,
    RunInfo,
    compare,
    load_baseline,
    render_report,
    report_data,
    write_report,
)

# --- labels CSV ---------------------------------------------------------------------------


def _files(root: Path, *names: str) -> list[Path]:
    paths = []
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
        paths.append(path)
    return paths


def _csv(path: Path, text: str, *, bom: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def test_rows_match_by_relative_path_absolute_path_and_bare_name(tmp_path: Path) -> None:
    # Given four files, a CSV with a BOM, its columns in another order plus an extra one,
    # blank lines, and a row repeated with the same label
    a, b, c, d = _files(tmp_path, "docs/a.pdf", "docs/sub/b.pdf", "other/c.txt", "other/d.txt")
    labels = _csv(
        tmp_path / "labels.csv",
        "label,file,note\n\n"
        "invoice,docs/a.pdf,relative to the CSV\n"
        "contract,b.pdf,bare name\n"
        "   \n"
        f"letter,{c},absolute\n"
        "invoice,./docs/a.pdf,again\n",
        bom=True,
    )

    # When the labels are read against the files in another order
    result = read_labels(labels, [d, c, b, a])

    # Then each labelled file keeps the given order and d.txt is reported unlabelled
    assert [(f.path, f.label) for f in result.files] == [
        (c, "letter"),
        (b, "contract"),
        (a, "invoice"),
    ]
    assert result.unlabelled == [d]
    assert result.label_of(b) == "contract"
    assert result.label_of(d) is None


def test_a_bare_name_that_is_a_path_from_the_csv_folder_is_that_file(tmp_path: Path) -> None:
    top, nested = _files(tmp_path, "a.pdf", "sub/a.pdf")
    labels = _csv(tmp_path / "labels.csv", "file,label\na.pdf,invoice\n")

    result = read_labels(labels, [top, nested])

    assert [(f.path, f.label) for f in result.files] == [(top, "invoice")]
    assert result.unlabelled == [nested]


@pytest.mark.parametrize(
    ("header", "missing"),
    [("file,category", "'label'"), ("name,label", "'file'"), ("", "'file', 'label'")],
)
def test_a_missing_column_is_named(tmp_path: Path, header: str, missing: str) -> None:
    (a,) = _files(tmp_path, "a.pdf")
    labels = _csv(tmp_path / "labels.csv", f"{header}\na.pdf,invoice\n" if header else "")

    with pytest.raises(MissingLabelColumnError, match=f"missing {missing}"):
        read_labels(labels, [a])


@pytest.mark.parametrize("cell", ["nowhere.pdf", "docs/a.pdf"])
def test_a_row_matching_no_given_file_is_refused(tmp_path: Path, cell: str) -> None:
    (a,) = _files(tmp_path, "a.pdf")
    labels = _csv(tmp_path / "labels.csv", f"file,label\na.pdf,invoice\n{cell},letter\n")

    with pytest.raises(UnmatchedLabelRowError, match=r"labels\.csv:3: .*not|labels\.csv:3: no"):
        read_labels(labels, [a])


def test_a_bare_name_of_two_given_files_is_ambiguous(tmp_path: Path) -> None:
    one, two = _files(tmp_path, "x/a.pdf", "y/a.pdf")
    labels = _csv(tmp_path / "labels" / "set.csv", "file,label\na.pdf,invoice\n")

    with pytest.raises(AmbiguousLabelRowError, match=r"'a\.pdf' is the name of 2 given files"):
        read_labels(labels, [one, two])


def test_one_file_given_twice_is_not_ambiguous(tmp_path: Path) -> None:
    (a,) = _files(tmp_path, "x/a.pdf")
    labels = _csv(tmp_path / "labels" / "set.csv", "file,label\na.pdf,invoice\n")

    result = read_labels(labels, [a, tmp_path / "x" / ".." / "x" / "a.pdf"])

    assert [f.label for f in result.files] == ["invoice", "invoice"]


def test_a_file_labelled_twice_differently_is_refused(tmp_path: Path) -> None:
    (a,) = _files(tmp_path, "a.pdf")
    labels = _csv(tmp_path / "labels.csv", "file,label\na.pdf,invoice\n./a.pdf,contract\n")

    with pytest.raises(ConflictingLabelsError, match="labelled 'contract', but line 2"):
        read_labels(labels, [a])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"file,label\na.pdf,\n", "the label cell is empty"),
        (b"file,label\na.pdf,r\xe9sum\xe9\n", "not UTF-8"),
    ],
)
def test_an_empty_cell_or_other_encoding_is_refused(
    tmp_path: Path, content: bytes, message: str
) -> None:
    (a,) = _files(tmp_path, "a.pdf")
    labels = tmp_path / "labels.csv"
    labels.write_bytes(content)

    with pytest.raises(LabelsFileError, match=message):
        read_labels(labels, [a])


def test_labels_errors_are_value_and_usage_errors(tmp_path: Path) -> None:
    for error in (
        LabelsFileError,
        MissingLabelColumnError,
        UnmatchedLabelRowError,
        AmbiguousLabelRowError,
        ConflictingLabelsError,
    ):
        assert issubclass(error, ValueError)
        assert issubclass(error, UsageError)
    with pytest.raises(LabelsFileError, match="cannot read labels file"):
        read_labels(tmp_path / "absent.csv", [])


# --- metrics ------------------------------------------------------------------------------


def _outcome(
    file: str,
    label: str,
    predicted: str | None,
    confidence: float | None,
    *,
    review: bool = False,
    tokens: int | None = None,
) -> dict[str, Any]:
    failed = predicted is None
    return {
        "file": file,
        "label": label,
        "predicted": predicted,
        "confidence": confidence,
        "review_required": None if failed else review,
        "status": "FAILED" if failed else "SUCCEEDED",
        "input_tokens": tokens,
        "output_tokens": None if failed else 10,
        "cost_usd": None if failed else 0.001,
    }


# Six documents: letter is never predicted, `other` never the truth, e.pdf failed.
OUTCOMES = [
    _outcome("a.pdf", "invoice", "invoice", 0.9, tokens=100),
    _outcome("b.pdf", "invoice", "contract", 0.6, tokens=200),
    _outcome("c.pdf", "contract", "contract", 0.8, tokens=300),
    _outcome("d.pdf", "letter", "other", 0.3, review=True, tokens=400),
    _outcome("e.pdf", "letter", None, None),
    _outcome("f.pdf", "contract", "contract", 0.7, tokens=500),
]
LABEL_ORDER = ("invoice", "contract", "letter")


def test_metrics_against_hand_computed_values() -> None:
    metrics = evaluate(OUTCOMES, labels=LABEL_ORDER)

    assert metrics.labels == ["invoice", "contract", "letter", "other"]
    assert (metrics.document_count, metrics.classified, metrics.failed) == (6, 5, 1)
    assert metrics.status_counts == {"SUCCEEDED": 5, "FAILED": 1}
    assert metrics.accuracy == pytest.approx(3 / 6)
    scores = metrics.per_label
    # invoice: 1 right of 1 predicted, of 2 true -> P 1, R 1/2, F1 2/3
    assert (scores["invoice"].precision, scores["invoice"].recall) == (1.0, 0.5)
    assert scores["invoice"].f1 == pytest.approx(2 / 3)
    # contract: 2 right of 3 predicted, of 2 true -> P 2/3, R 1, F1 0.8
    assert scores["contract"].precision == pytest.approx(2 / 3)
    assert scores["contract"].recall == 1.0
    assert scores["contract"].f1 == pytest.approx(0.8)
    # letter: never predicted (one miss, one failure); other: predicted once, never true
    assert (scores["letter"].f1, scores["letter"].support, scores["letter"].predicted) == (
        0.0,
        2,
        0,
    )
    assert (scores["other"].precision, scores["other"].support) == (0.0, 0)
    assert metrics.macro_f1 == pytest.approx((2 / 3 + 0.8 + 0 + 0) / 4)
    # Shares of the five documents classified
    assert metrics.other_share == pytest.approx(1 / 5)
    assert metrics.review_share == pytest.approx(1 / 5)
    # One document per bin: gaps 0.1 (0.9 right), 0.6 (0.6 wrong), 0.2, 0.3 (0.3 wrong), 0.3
    assert metrics.ece == pytest.approx((0.1 + 0.6 + 0.2 + 0.3 + 0.3) / 5)
    assert [b.count for b in metrics.calibration_bins] == [0, 0, 0, 1, 0, 0, 1, 1, 1, 1]
    assert metrics.input_tokens_per_document == pytest.approx(300.0)
    assert metrics.output_tokens_per_document == pytest.approx(10.0)
    assert metrics.cost_usd_per_document == pytest.approx(0.001)
    assert metrics.cost_usd_total == pytest.approx(0.005)


def test_confusion_matrix_has_truth_rows_and_a_failed_column() -> None:
    confusion = evaluate(OUTCOMES, labels=LABEL_ORDER).confusion

    assert list(confusion) == ["invoice", "contract", "letter", "other"]
    assert list(confusion["letter"]) == ["invoice", "contract", "letter", "other", FAILED_COLUMN]
    assert confusion["invoice"] == {
        "invoice": 1,
        "contract": 1,
        "letter": 0,
        "other": 0,
        FAILED_COLUMN: 0,
    }
    assert confusion["contract"]["contract"] == 2
    assert confusion["letter"] == {
        "invoice": 0,
        "contract": 0,
        "letter": 0,
        "other": 1,
        FAILED_COLUMN: 1,
    }
    assert sum(confusion["other"].values()) == 0


def test_the_fallback_label_is_a_parameter_and_comes_last() -> None:
    metrics = evaluate(
        [_outcome("a", "zeta", "none", 0.5), _outcome("b", "alpha", "alpha", 0.5)],
        fallback_label="none",
    )

    assert metrics.labels == ["alpha", "zeta", "none"]
    assert metrics.other_share == pytest.approx(0.5)


def test_metrics_serialise_to_json_with_the_promised_keys() -> None:
    data = json.loads(json.dumps(evaluate(OUTCOMES).to_dict()))

    assert data["accuracy"] == pytest.approx(0.5)
    assert {"macro_f1", "ece", "documents"} <= set(data)
    failed = data["documents"][4]
    assert (failed["file"], failed["label"], failed["predicted"], failed["confidence"]) == (
        "e.pdf",
        "letter",
        None,
        None,
    )
    assert data["per_label"]["contract"]["f1"] == pytest.approx(0.8)


def test_perfect_calibration_has_zero_error() -> None:
    # Confidence 0.75 and three of four right; confidence 0.25 and one of four right
    points = [(0.75, True)] * 3 + [(0.75, False)] + [(0.25, True)] + [(0.25, False)] * 3

    ece, bins = calibration(points)

    assert ece == pytest.approx(0.0)
    assert bins[7].accuracy == pytest.approx(0.75)
    assert bins[2].accuracy == pytest.approx(0.25)


def test_worst_calibration_has_error_one() -> None:
    ece, bins = calibration([(1.0, False)] * 3 + [(0.0, True)] * 2)

    assert ece == pytest.approx(1.0)
    assert (bins[9].count, bins[0].count) == (3, 2)  # 1.0 belongs to the last bin


def test_calibration_weighs_bins_by_their_size() -> None:
    # Bin 0.9: three at 0.9, two right (gap 0.9 - 2/3); bin 0.5: one at 0.5, wrong (gap 0.5)
    ece, bins = calibration([(0.9, True), (0.9, True), (0.9, False), (0.5, False)])

    assert ece == pytest.approx((3 * (0.9 - 2 / 3) + 1 * 0.5) / 4)
    assert bins[4].mean_confidence is None
    assert calibration([])[0] is None


def test_no_documents_gives_no_figures_and_a_bad_confidence_is_refused() -> None:
    empty = evaluate([])

    assert (empty.accuracy, empty.macro_f1, empty.ece, empty.other_share) == (
        None,
        None,
        None,
        None,
    )
    with pytest.raises(ValueError, match=r"a\.pdf: confidence 1\.5"):
        evaluate([_outcome("a.pdf", "invoice", "invoice", 1.5)])


# --- faithfulness -------------------------------------------------------------------------

PAGES = [
    {
        "number": 1,
        "text": "Invoice 2024-117 from Acme GmbH.\n"
        "Total amount due: 1,250.00 EUR by 31 March 2024.",
    },
    {"number": 2, "text": "The supplier delivers the goods within fourteen days of the order."},
]


def test_content_words_drop_stop_words_and_short_words_in_four_languages() -> None:
    assert content_words("The invoice and the total: 42 EUR") == ["invoice", "total", "eur"]
    assert content_words("Die Rechnung ist fällig und die Rechnung") == ["rechnung", "fällig"]
    assert content_words("La facture est pour le client") == ["facture", "client"]
    assert content_words("El pago de la factura para el cliente") == ["pago", "factura", "cliente"]


def test_a_point_its_cited_page_contains_is_supported() -> None:
    # Content words: acme gmbh asks 250 eur march 2024; "asks" is not on page 1
    check = check_point("Acme GmbH asks for 1,250.00 EUR by 31 March 2024", [1, 1], PAGES)

    assert check.supported
    assert check.share == pytest.approx(6 / 7)
    assert check.missing == ["asks"]


def test_the_same_point_citing_the_wrong_page_is_unsupported() -> None:
    check = check_point("Acme GmbH asks for 1,250.00 EUR by 31 March 2024", [2, 2], PAGES)

    assert not check.supported
    assert check.share == pytest.approx(0.0)


def test_a_page_range_and_a_missing_page() -> None:
    spanning = "Acme GmbH invoice; the supplier delivers within fourteen days"

    assert check_point(spanning, [1, 2], PAGES).supported
    assert not check_point(spanning, [1, 1], PAGES).supported
    assert not check_point("Acme GmbH", [7, 7], PAGES).supported
    assert not check_point("Acme GmbH", None, PAGES).supported


def test_a_paraphrase_is_supported_only_when_it_keeps_the_words() -> None:
    # Reordered, one new content word of seven: supported
    reordered = check_point("By 31 March 2024, Acme GmbH is owed 1,250.00 EUR", [1, 1], PAGES)
    # Synonyms throughout: a lexical check cannot see it is faithful
    synonyms = check_point("The vendor ships the merchandise in two weeks", [2, 2], PAGES)

    assert reordered.supported
    assert reordered.missing == ["owed"]
    assert not synonyms.supported
    assert synonyms.share == pytest.approx(0.0)


def test_a_point_without_content_words_is_supported_only_as_a_substring() -> None:
    within = check_point("of the", [2, 2], PAGES)
    absent = check_point("and then", [2, 2], PAGES)

    assert (within.supported, within.share) == (True, None)
    assert not absent.supported


def test_the_threshold_is_a_parameter() -> None:
    point = "Acme GmbH asks for 1,250.00 EUR by 31 March 2024"  # 6 of 7 words found

    assert not check_point(point, [1, 1], PAGES, threshold=0.9).supported


def test_check_summary_reports_the_share_and_the_unsupported_points() -> None:
    key_points = [
        {"text": "Acme GmbH asks for 1,250.00 EUR.", "pages": [1, 1]},
        {"text": "Delivery within fourteen days.", "pages": [1, 1]},
        {"text": "The supplier delivers within fourteen days.", "pages": [2, 2]},
    ]

    result = check_summary(key_points, PAGES)

    assert (result.points, result.supported) == (3, 2)
    assert result.share == pytest.approx(2 / 3)
    assert [p.text for p in result.unsupported] == ["Delivery within fourteen days."]
    assert result.unsupported[0].pages == (1, 1)
    assert check_summary([], PAGES).share is None


@pytest.mark.parametrize(
    ("candidate", "reference", "precision", "recall", "f1"),
    [
        # Lin (2004): LCS "police the gunman" = 3 of 4 either way
        ("police kill the gunman", "police killed the gunman", 0.75, 0.75, 0.75),
        # LCS "the gunman" = 2 of 4
        ("the gunman kill police", "police killed the gunman", 0.5, 0.5, 0.5),
        # LCS "the cat on the mat" = 5; P 5/6, R 5/7, F1 2PR/(P+R) = 10/13
        ("The cat sat on the mat", "the cat was on the mat today", 5 / 6, 5 / 7, 10 / 13),
        ("Same words, same order.", "same words same order", 1.0, 1.0, 1.0),
        ("nothing shared", "entirely different", 0.0, 0.0, 0.0),
        ("", "a reference", 0.0, 0.0, 0.0),
    ],
)
def test_rouge_l_known_values(
    candidate: str, reference: str, precision: float, recall: float, f1: float
) -> None:
    score = rouge_l(candidate, reference)

    assert [score.precision, score.recall, score.f1] == pytest.approx([precision, recall, f1])


def test_faithfulness_figures_sum_points_and_average_rouge() -> None:
    first = check_summary([{"text": "Acme GmbH invoice", "pages": [1, 1]}], PAGES)
    second = check_summary(
        [
            {"text": "The supplier delivers goods", "pages": [2, 2]},
            {"text": "Acme GmbH invoice", "pages": [2, 2]},
        ],
        PAGES,
    )

    figures = faithfulness_figures(
        {"a.pdf": first, "b.pdf": second},
        {"a.pdf": rouge_l("a b c d", "a b c d"), "b.pdf": rouge_l("a b", "c d")},
    )

    assert (figures.documents, figures.points, figures.supported_points) == (2, 3, 2)
    assert figures.supported_share == pytest.approx(2 / 3)
    assert figures.rouge_l_documents == 2
    assert figures.rouge_l_f1 == pytest.approx(0.5)
    assert [(p.file, p.pages) for p in figures.unsupported] == [("b.pdf", (2, 2))]
    assert faithfulness_figures({}).supported_share is None
    assert isinstance(first, FaithfulnessResult)


# --- report -------------------------------------------------------------------------------

RUN = RunInfo(set_name="synthetic", split="test", provider="local", model="all-MiniLM-L6-v2")


def test_report_draws_the_confusion_matrix_and_lists_the_mistakes(tmp_path: Path) -> None:
    metrics = evaluate(OUTCOMES, labels=LABEL_ORDER)
    figures = faithfulness_figures(
        {"a.pdf": check_summary([{"text": "Acme GmbH invoice", "pages": [2, 2]}], PAGES)}
    )

    markdown, sidecar = write_report(
        tmp_path / "out" / "eval.md", metrics, RUN, faithfulness=figures
    )
    text = markdown.read_text(encoding="utf-8")

    assert sidecar == tmp_path / "out" / "eval.json"
    assert "# docpipe eval: synthetic, test split" in text
    assert "| Provider | local |" in text
    assert "| Accuracy | 0.500 |" in text
    assert "| Macro-F1 | 0.367 |" in text
    assert "| Expected calibration error (10 bins) | 0.300 |" in text
    assert "| Input tokens per document | 300.0 |" in text
    assert "| Cost per document (USD) | $0.001000 |" in text
    # The confusion matrix: header, then one row per true label, the diagonal in bold
    assert (
        "| truth \\ predicted | `invoice` | `contract` | `letter` | `other` | `(failed)` |" in text
    )
    assert "| `invoice` | **1** | 1 | 0 | 0 | 0 |" in text
    assert "| `contract` | 0 | **2** | 0 | 0 | 0 |" in text
    assert "| `letter` | 0 | 0 | 0 | 1 | 1 |" in text
    assert "| `contract` | 0.667 | 1.000 | 0.800 | 2 | 3 |" in text  # per-label table
    assert "| 0.6-0.7 | 1 | 0.600 | 0.000 | 0.600 |" in text  # a reliability bin
    assert "| Share supported | 0.000 |" in text
    # Misclassified: most confident first, the failed document last
    assert "## Misclassified documents (3)" in text
    mistakes = [line for line in text.splitlines() if line.startswith("| `b.pdf`")]
    assert mistakes == ["| `b.pdf` | `invoice` | `contract` | 0.600 |"]
    assert text.index("`b.pdf`") < text.index("`d.pdf`") < text.index("| `e.pdf` |")
    assert "| `e.pdf` | `letter` | (failed) | - |" in text
    assert "Compared with the baseline" not in text
    data = json.loads(sidecar.read_text(encoding="utf-8"))
    assert data["accuracy"] == pytest.approx(0.5)
    assert data["run"]["split"] == "test"
    assert data["faithfulness"]["points"] == 1
    assert data["comparison"] is None


def test_report_compares_with_a_baseline(tmp_path: Path) -> None:
    # Given a baseline where b.pdf was right and e.pdf was classified (wrongly)
    before = [dict(o) for o in OUTCOMES]
    before[1] |= {"predicted": "invoice", "confidence": 0.6}
    before[4] |= {"predicted": "invoice", "confidence": 0.5, "status": "SUCCEEDED"}
    before.append(_outcome("gone.pdf", "invoice", "invoice", 0.9))
    _, baseline_path = write_report(
        tmp_path / "before.md", evaluate(before, labels=LABEL_ORDER), RUN
    )

    # When this run's report is written against it
    baseline = load_baseline(baseline_path)
    now = evaluate(OUTCOMES, labels=LABEL_ORDER)
    markdown, sidecar = write_report(tmp_path / "after.md", now, RUN, baseline=baseline)
    text = markdown.read_text(encoding="utf-8")

    # Then headline figures show before, after and change: accuracy 5/7 -> 3/6
    assert "## Compared with the baseline" in text
    assert "| Accuracy | 0.714 | 0.500 | -0.214 |" in text
    assert "| Failed documents | 0 | 1 | +1 |" in text
    # Per-label F1
    comparison = compare(report_data(now, RUN), baseline)
    assert comparison.headline[0].name == "accuracy"
    assert comparison.headline[0].difference == pytest.approx(3 / 6 - 5 / 7)
    f1 = {c.name: [c.before, c.after, c.difference] for c in comparison.label_f1}
    # before, invoice: 3 right of 4 predicted (a, b, e, gone), 3 true -> P 3/4, R 1, F1 6/7
    assert f1["invoice"] == pytest.approx([6 / 7, 2 / 3, 2 / 3 - 6 / 7])
    assert f1["contract"] == pytest.approx([1.0, 0.8, -0.2])
    assert "| `invoice` | 0.857 | 0.667 | -0.190 |" in text
    assert "| `contract` | 1.000 | 0.800 | -0.200 |" in text
    # Documents whose prediction changed, and those in one run only
    assert "### Predictions changed (2)" in text
    assert "| `b.pdf` | `invoice` | `invoice` | `contract` |" in text
    assert "| `e.pdf` | `letter` | `invoice` | (failed) |" in text
    assert "Only in the baseline (1): `gone.pdf`." in text
    assert json.loads(sidecar.read_text(encoding="utf-8"))["comparison"]["changed"][0] == {
        "file": "b.pdf",
        "label": "invoice",
        "before": "invoice",
        "after": "contract",
    }


def test_a_baseline_that_is_not_a_sidecar_is_refused(tmp_path: Path) -> None:
    not_json = tmp_path / "a.json"
    not_json.write_text("# a report\n", encoding="utf-8")
    other = tmp_path / "b.json"
    other.write_text('{"accuracy": 0.9}', encoding="utf-8")

    with pytest.raises(BaselineError, match="is not JSON"):
        load_baseline(not_json)
    with pytest.raises(BaselineError, match="needs accuracy, macro_f1, ece, documents"):
        load_baseline(other)
    with pytest.raises(BaselineError, match="cannot read"):
        load_baseline(tmp_path / "absent.json")


def test_the_report_path_cannot_be_its_own_sidecar(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Markdown"):
        write_report(tmp_path / "eval.json", evaluate(OUTCOMES), RUN)


def test_names_with_a_pipe_do_not_break_the_tables() -> None:
    text = render_report(evaluate([_outcome("a|b.pdf", "invoice", "letter", 0.5)]), RUN)

    assert "| `a\\|b.pdf` | `invoice` | `letter` | 0.500 |" in text
