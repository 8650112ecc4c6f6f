"""`docpipe eval`: labelled documents through the offline pipeline, with the local model and
with the Converse fake; the figures, the report and its JSON sidecar, a baseline compared."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from docpipe import samples
from docpipe.cli import main
from docpipe.converse_fake import ConverseFake

MODEL = "amazon.nova-micro-v1:0"


@pytest.fixture
def labelled(tmp_path: Path) -> Path:
    folder = tmp_path / "set"
    folder.mkdir()
    (folder / "invoice.pdf").write_bytes(samples.invoice_pdf())
    (folder / "agreement.docx").write_bytes(samples.docx_from_pages(samples.AGREEMENT_PAGES))
    (folder / "letter.txt").write_text(samples.LETTER)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\nnot really a PDF\n")
    (folder / "labels.csv").write_text(
        "file,label\ninvoice.pdf,invoice\nagreement.docx,contract\n"
        "letter.txt,correspondence\nbroken.pdf,manual\n"
    )
    return folder


def evaluate(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main(["eval", *argv, "--json", "-q"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out.strip() else {}, captured.err


def test_eval_measures_the_local_model_and_compares_with_a_baseline(
    labelled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "reports" / "first.md"
    code, data, err = evaluate(
        capsys, str(labelled), "--labels", str(labelled / "labels.csv"), "--report", str(report)
    )
    assert code == 0, err
    documents = {Path(d["file"]).name: d for d in data["documents"]}
    assert set(documents) == {"invoice.pdf", "agreement.docx", "letter.txt", "broken.pdf"}
    assert documents["broken.pdf"]["predicted"] is None  # failed: counted wrong
    right = sum(d["predicted"] == d["label"] for d in documents.values())
    assert data["accuracy"] == pytest.approx(right / 4) and right >= 2
    assert 0 <= data["macro_f1"] <= 1 and data["ece"] is not None
    assert data["failed"] == 1 and data["run"]["provider"] == "local"
    assert data["faithfulness"]["points"] > 0 and data["faithfulness"]["supported_share"] > 0.5
    assert "## Confusion matrix" in report.read_text()
    assert json.loads(report.with_suffix(".json").read_text())["accuracy"] == data["accuracy"]

    # A second run against the first as its baseline says what changed (nothing)
    code, again, err = evaluate(
        capsys,
        str(labelled),
        "--labels",
        str(labelled / "labels.csv"),
        "--baseline",
        str(report.with_suffix(".json")),
    )
    assert code == 0, err
    headline = {c["name"]: c for c in again["comparison"]["headline"]}
    assert headline["accuracy"]["difference"] == 0 and again["comparison"]["changed"] == []


def test_eval_runs_with_the_converse_fake(
    labelled: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with ConverseFake(model_ids=[MODEL]) as fake:
        for name, value in {**fake.env(), "DOCPIPE_MODEL_ID": MODEL}.items():
            monkeypatch.setenv(name, value)
        code, data, err = evaluate(
            capsys,
            str(labelled),
            "--labels",
            str(labelled / "labels.csv"),
            "--provider",
            "bedrock",
        )
    assert code == 0, err
    assert data["run"]["provider"] == "bedrock" and data["run"]["model"] == MODEL
    assert len(data["documents"]) == 4 and data["classified"] == 3
    assert data["input_tokens_per_document"] > 0 and data["cost_usd_per_document"] > 0


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        ("name,label\nletter.txt,correspondence\n", "file"),
        ("file,label\nnowhere.txt,invoice\n", "nowhere.txt"),
    ],
)
def test_a_bad_labels_file_is_a_usage_error(
    labelled: Path, capsys: pytest.CaptureFixture[str], csv: str, message: str
) -> None:
    (labelled / "labels.csv").write_text(csv)
    assert main(["eval", str(labelled), "--labels", str(labelled / "labels.csv")]) == 2
    assert message in capsys.readouterr().err
