"""`docpipe dlq list|show|replay`: a document that failed for a passing reason is replayed
from a later process and processed again, though its record said FAILED; the record counts
the replay; the letter goes only once the intake took the replay."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from docpipe import samples
from docpipe.cli import main
from docpipe.engine import LocalEngine
from docpipe.faults import ServiceFaults, StateFault
from docpipe.runner import keep_state
from docpipe.state import StateDirectory


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main(list(argv))
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture
def failed_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    # Given a run in which one document's extraction kept crashing (a passing fault)
    good = tmp_path / "letter.txt"
    good.write_text(samples.LETTER)
    flaky = tmp_path / "flaky-memo.txt"
    flaky.write_text(samples.LETTER.replace("Dear", "Hello"))
    with monkeypatch.context() as faults:
        faults.setenv("DOCPIPE_FAULT_CRASH_RATE", "1")
        faults.setenv("DOCPIPE_FAULT_TASKS", "extract_text")
        faults.setenv("DOCPIPE_FAULT_MATCH", "flaky-memo")
        code, results = run_json(capsys, "run", str(good), str(flaky), "--json")
    assert code == 1
    return {r["file"].rsplit("/", 1)[-1]: r for r in results}


def test_a_failed_document_is_listed_shown_and_replayed_until_it_succeeds(
    failed_once: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    flaky = failed_once["flaky-memo.txt"]
    assert flaky["status"] == "FAILED" and flaky["error"]["type"] == "Lambda.Unknown"

    # The dead letter is listed and shown
    _, listed = run_json(capsys, "dlq", "list", "--json")
    [letter] = listed
    assert letter["error"] == "Lambda.Unknown" and letter["key"] == "incoming/flaky-memo.txt"
    assert letter["execution_arn"] == flaky["execution_arn"]
    _, shown = run_json(capsys, "dlq", "show", letter["id"], "--json")
    assert shown["body"]["document"]["id"] == flaky["document_id"]

    # When every dead letter is replayed (the fault has passed)
    code, replayed = run_json(capsys, "dlq", "replay", "--all", "--json")

    # Then the document was processed again, under a new execution name, and succeeded
    assert code == 0
    [outcome] = replayed
    assert outcome["status"] == "SUCCEEDED"
    assert outcome["replay_execution_arn"] == flaky["execution_arn"] + "-r1"
    # Its record (the same document: same key and version) says so and counts the replay
    record = StateDirectory().record(flaky["document_id"])
    assert record is not None
    assert record["status"] == "SUCCEEDED" and record["replays"] == 1
    assert record["execution_arn"] == outcome["replay_execution_arn"]
    # The letter is gone, and the replay can be traced like any execution
    assert run_json(capsys, "dlq", "list", "--json")[1] == []
    code, traced = run_json(capsys, "trace", outcome["replay_execution_arn"], "--json")
    assert traced["status"] == "SUCCEEDED"
    _, documents = run_json(capsys, "results", "--json")
    statuses = {d["key"]: d["status"] for d in documents}
    assert statuses == {"incoming/letter.txt": "SUCCEEDED", "incoming/flaky-memo.txt": "SUCCEEDED"}


def test_bad_input_replayed_fails_again_and_keeps_a_letter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\nnot a PDF\n")
    assert main(["run", str(broken), "--json"]) == 1
    capsys.readouterr()

    code, [outcome] = run_json(capsys, "dlq", "replay", "--all", "--json")

    assert code == 1 and outcome["status"] == "FAILED"
    [again] = StateDirectory().dead_letters()
    assert again.error == "CorruptDocumentError"
    record = StateDirectory().record(again.body["document"]["id"])
    assert record is not None and record["status"] == "FAILED" and record["replays"] == 1


def test_a_notification_sns_refused_is_replayed_by_publishing_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a run whose completion SNS refused (retry waits at 1/1000 of real time)
    faults = ServiceFaults([StateFault("Publish Completion", "InternalError")])
    with LocalEngine(time_scale=0.001, service_faults=faults) as engine:
        upload = engine.upload(samples.LETTER.encode(), "letter.txt")
        assert engine.wait(upload.execution_arn, 120).status == "SUCCEEDED"
        engine.settle()
        keep_state(engine, StateDirectory())
    [kept] = StateDirectory().dead_letters()
    assert kept.body["kind"] == "notification"

    # When it is replayed, from a later command
    code, [outcome] = run_json(capsys, "dlq", "replay", kept.id, "--json")

    # Then the notification is published, and the letter gone
    assert code == 0 and outcome["status"] == "PUBLISHED"
    assert StateDirectory().dead_letters() == []
    [published] = StateDirectory().notifications()
    assert published["message"]["status"] == "SUCCEEDED"


def test_an_unknown_letter_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dlq", "replay", "nope"]) == 2
    assert "no dead letter 'nope'" in capsys.readouterr().err


def test_redrive_runs_a_failed_execution_again_and_refuses_a_succeeded_one(
    failed_once: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    flaky = failed_once["flaky-memo.txt"]
    name = flaky["execution_arn"].rsplit(":", 1)[-1]

    code, [outcome] = run_json(capsys, "redrive", name, "--json")

    assert code == 0 and outcome["status"] == "SUCCEEDED"
    assert outcome["replay_execution_arn"].endswith(f"{name}-r1")
    assert StateDirectory().dead_letters() == []
    # Again, its letter long gone: the execution's input is enough, but the document has
    # succeeded since, so the replay is a duplicate of that and changes nothing
    code, [again] = run_json(capsys, "redrive", name, "--json")
    assert code == 0 and again["replay_execution_arn"].endswith(f"{name}-r2")
    record = StateDirectory().record(flaky["document_id"])
    assert record is not None and record["replays"] == 1 and record["status"] == "SUCCEEDED"
    # A succeeded execution has nothing to redrive
    good = failed_once["letter.txt"]["execution_arn"]
    assert main(["redrive", good]) == 2
    assert "SUCCEEDED" in capsys.readouterr().err


def test_a_replay_takes_over_a_record_its_ended_execution_left_processing(
    failed_once: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the failed document's record left PROCESSING, as an execution that was aborted
    # or timed out before its failure path ran leaves it (long before the record expires)
    state = StateDirectory()
    flaky = failed_once["flaky-memo.txt"]
    record = state.record(flaky["document_id"])
    assert record is not None
    record["status"] = "PROCESSING"
    record.pop("error_type", None)
    (state.root / "records" / f"{flaky['document_id']}.json").write_text(json.dumps(record))

    # When its dead letter is replayed
    code, outcomes = run_json(capsys, "dlq", "replay", "--all", "--json")

    # Then the replay processes it again (it is not skipped as a duplicate of itself)
    assert code == 0 and [o["status"] for o in outcomes] == ["SUCCEEDED"]
    after = state.record(flaky["document_id"])
    assert after is not None and after["status"] == "SUCCEEDED" and after["replays"] == 1
