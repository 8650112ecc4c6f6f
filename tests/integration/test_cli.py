"""The command-line contract of `docpipe run` (DESIGN.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from docpipe import samples
from docpipe.cli import main

CONTRACT_KEYS = {
    "file",
    "document_id",
    "status",
    "category",
    "confidence",
    "review_required",
    "summary",
    "error",
    "execution_arn",
    "duplicate_of",
}


def test_run_json_prints_one_object_per_file_in_input_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a good document, a damaged one and the good one again
    good = tmp_path / "letter.txt"
    good.write_text(samples.LETTER, encoding="utf-8")
    bad = tmp_path / "damaged.pdf"
    bad.write_bytes(samples.invoice_pdf()[:500])
    # When run with --json
    code = main(["run", str(good), str(bad), str(good), "--json"])
    # Then stdout is exactly one JSON array in input order, and the exit code says FAILED
    results = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [r["file"] for r in results] == [str(good), str(bad), str(good)]
    assert all(set(r) == CONTRACT_KEYS for r in results)
    assert [r["status"] for r in results] == ["SUCCEEDED", "FAILED", "SKIPPED_DUPLICATE"]
    assert results[0]["error"] is None and results[0]["summary"]
    assert results[1]["error"]["type"] == "CorruptDocumentError"
    assert results[1]["error"]["message"]
    assert results[1]["document_id"]
    # And the repeated file names the first one as its original
    assert results[2]["duplicate_of"] == results[0]["document_id"]


def test_run_on_a_directory_takes_every_file_below_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("The first note is about the annual budget meeting. " * 5)
    (tmp_path / "sub" / "b.pdf").write_bytes(samples.invoice_pdf())
    assert main(["run", str(tmp_path), "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [Path(r["file"]).name for r in results] == ["a.txt", "b.pdf"]
    assert {r["status"] for r in results} == {"SUCCEEDED"}


def test_human_output_shows_status_category_confidence_and_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "invoice.pdf"
    path.write_bytes(samples.invoice_pdf())
    assert main(["run", str(path)]) == 0
    out = capsys.readouterr().out
    for label in ("status:     SUCCEEDED", "category:", "confidence:", "summary:"):
        assert label in out


def test_missing_path_is_bad_usage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(tmp_path / "nope.pdf")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_no_arguments_is_bad_usage() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["run"])
    assert exit_info.value.code == 2


def test_demo_gives_every_sample_its_expected_outcome(capsys: pytest.CaptureFixture[str]) -> None:
    from docpipe.samples import demo_samples

    assert main(["demo", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [r["file"] for r in results] == [s.name for s in demo_samples()]
    assert [r["status"] for r in results] == [s.expected_status for s in demo_samples()]
    assert all(r["summary"] for r in results if r["status"] == "SUCCEEDED")


def test_bedrock_offline_without_a_converse_endpoint_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCPIPE_MODEL_PROVIDER", "bedrock")
    monkeypatch.delenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", raising=False)
    letter = tmp_path / "letter.txt"
    letter.write_text("Dear neighbour, the hedge will be cut on Saturday.", encoding="utf-8")
    assert main(["run", str(letter)]) == 2
    assert "python -m docpipe.converse_fake" in capsys.readouterr().err
