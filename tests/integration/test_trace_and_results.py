"""`docpipe trace` and `docpipe results` read what `docpipe run` left in the state
directory, from later processes, through the same Step Functions calls as against AWS."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from docpipe import samples
from docpipe.cli import main
from docpipe.engine import LocalEngine
from docpipe.faults import TaskFaults
from docpipe.state import StateDirectory
from docpipe.trace import render, trace

ROOT = Path(__file__).resolve().parents[2]


def state_by_name(traced: dict[str, Any], name: str) -> dict[str, Any]:
    [found] = [s for s in traced["states"] if s["name"] == name and s["iteration"] is None]
    return found


@pytest.fixture
def ran(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    # Given a good and a damaged document, run while Register Document is throttled twice
    good = tmp_path / "letter.txt"
    good.write_text(samples.LETTER)
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7\nnot really a PDF\n")
    monkeypatch.setenv("DOCPIPE_FAULT_STATES", "Register Document=ThrottlingException*2")
    assert main(["run", str(good), str(bad), "--json"]) == 1
    results = {Path(r["file"]).name: r for r in json.loads(capsys.readouterr().out)}
    return {"good": good, "bad": bad, "results": results}


def test_trace_shows_each_state_with_its_retries_from_the_state_directory(
    ran: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    # When the good file is traced by its path, in a later command
    assert main(["trace", str(ran["good"]), "--json"]) == 0
    traced = json.loads(capsys.readouterr().out)

    # Then the execution and every state it ran are there, in order
    assert traced["status"] == "SUCCEEDED"
    assert traced["execution_arn"] == ran["results"]["letter.txt"]["execution_arn"]
    names = [s["name"] for s in traced["states"]]
    assert names[:4] == [
        "Check Admission",
        "Read Upload Event",
        "Identify Document",
        "Register Document",
    ]
    assert names[-3:] == ["Release Lease", "Finish", "Succeeded"]
    # And the throttled step shows its three attempts, the errors and the waits between
    register = state_by_name(traced, "Register Document")
    assert register["status"] == "succeeded"
    assert [a["error"] for a in register["attempts"]] == [
        "DynamoDB.ThrottlingException",
        "DynamoDB.ThrottlingException",
        None,
    ]
    assert all(a["backoff_s"] is not None and a["backoff_s"] >= 0 for a in register["attempts"][:2])
    for state in traced["states"]:
        assert set(state) >= {
            "name",
            "status",
            "started",
            "duration_s",
            "attempts",
            "input",
            "output",
        }
    assert len(state_by_name(traced, "Extract Text")["input"]) <= 245  # abridged


def test_trace_of_a_failed_document_highlights_the_failing_step(
    ran: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    document_id = ran["results"]["broken.pdf"]["document_id"]

    assert main(["trace", document_id, "--json", "--full"]) == 0
    traced = json.loads(capsys.readouterr().out)

    assert traced["status"] == "FAILED" and traced["error"] == "CorruptDocumentError"
    extract = state_by_name(traced, "Extract Text")
    assert extract["status"] == "caught" and extract["error"] == "CorruptDocumentError"
    assert state_by_name(traced, "Record Failure")["status"] == "succeeded"
    assert state_by_name(traced, "Fail")["status"] == "failed"

    # and the same execution is found by the file's bare name, from another folder
    assert main(["trace", "broken.pdf", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["execution_arn"] == traced["execution_arn"]


def test_trace_and_results_work_from_a_new_process(ran: dict[str, Any], state_home: Path) -> None:
    env = {"DOCPIPE_HOME": str(state_home), "PATH": "/usr/bin:/bin"}
    name = ran["results"]["letter.txt"]["execution_arn"].rsplit(":", 1)[-1]
    traced = subprocess.run(
        [sys.executable, "-m", "docpipe.cli", "trace", name],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    assert name in traced and "Register Document" in traced and "3 attempts" in traced
    listed = subprocess.run(
        [sys.executable, "-m", "docpipe.cli", "results", "--json"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    documents = {d["key"]: d for d in json.loads(listed)}
    assert documents["incoming/letter.txt"]["status"] == "SUCCEEDED"
    assert documents["incoming/letter.txt"]["summary"]
    assert documents["incoming/letter.txt"]["cost_usd"] is not None
    assert documents["incoming/broken.pdf"]["status"] == "FAILED"
    assert documents["incoming/broken.pdf"]["error"] == "CorruptDocumentError"


def test_an_unknown_target_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "no-such-execution"]) == 2
    assert "no execution for 'no-such-execution'" in capsys.readouterr().err


def test_a_map_that_failed_shows_its_iterations_and_where_the_failure_path_ran() -> None:
    # Given a report whose chunk summaries all crash, through the live emulator's API
    faults = TaskFaults(crash_rate=1.0, tasks=frozenset({"summarize_text"}))
    env = {"DOCPIPE_CHUNK_TOKENS": "400", "DOCPIPE_CHUNK_OVERLAP_TOKENS": "40"}
    with LocalEngine(time_scale=0.001, extra_env=env, faults=faults) as engine:
        upload = engine.upload(samples.long_report_pdf(3), "report.pdf")
        engine.wait(upload.execution_arn, timeout=120)
        traced = trace(engine.client("stepfunctions"), upload.execution_arn)

    summarize = state_by_name(traced, "Summarize Chunks")
    assert summarize["type"] == "Map" and summarize["status"] == "caught"
    inner = [s for s in traced["states"] if s["map"] == "Summarize Chunks"]
    assert inner and {s["name"] for s in inner} == {"Summarize Chunk"}
    assert all(s["iteration"] is not None for s in inner)
    assert any(s["status"] == "failed" and len(s["attempts"]) == 3 for s in inner)
    # The failure path runs at the top level, not inside an iteration
    assert state_by_name(traced, "Record Failure")["map"] is None
    assert "Summarize Chunk [" in render(traced)


def test_the_state_directory_keeps_runs_apart_from_the_repository(state_home: Path) -> None:
    assert StateDirectory().root == state_home
