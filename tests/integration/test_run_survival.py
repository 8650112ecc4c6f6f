"""`docpipe run` survives the documents it cannot finish: one that hangs is reported
TIMED_OUT when the run's time is up, every other result is printed, and the command ends
promptly (the hung task is stopped with the emulated account, its extraction process with
it). Two runs in a row in one process leave nothing behind that breaks the second."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from docpipe import samples
from docpipe.cli import main
from tasks.extract_text import sandbox


def test_a_hanging_document_is_timed_out_and_the_others_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a good document and one whose extraction never returns (it runs past the
    # function's 300 s timeout, on the real clock)
    good = tmp_path / "letter.txt"
    good.write_text(samples.LETTER)
    stuck = tmp_path / "stuck-report.txt"
    stuck.write_text(samples.LETTER.replace("Dear", "To whom it may concern"))
    monkeypatch.setenv("DOCPIPE_FAULT_TIMEOUT_RATE", "1")
    monkeypatch.setenv("DOCPIPE_FAULT_TASKS", "extract_text")
    monkeypatch.setenv("DOCPIPE_FAULT_MATCH", "stuck-report")

    # When the run may take 25 s
    started = time.monotonic()
    code = main(["run", str(good), str(stuck), "--json", "--timeout", "25"])
    elapsed = time.monotonic() - started

    # Then it ends soon after, with both results: the good one finished, the stuck one
    # marked TIMED_OUT, and the exit code says not everything succeeded
    results = {Path(r["file"]).name: r for r in json.loads(capsys.readouterr().out)}
    assert results["letter.txt"]["status"] == "SUCCEEDED"
    assert results["stuck-report.txt"]["status"] == "TIMED_OUT"
    assert code != 0
    assert elapsed < 25 + 30
    # And no task thread is left running the stuck document
    time.sleep(1)
    assert not [t for t in threading.enumerate() if t.name.startswith("lambda-async")]


def test_two_runs_in_one_process_both_complete(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = []
    for index, text in enumerate([samples.LETTER, samples.LETTER.upper(), "Short memo: ok."]):
        path = tmp_path / f"doc-{index}.txt"
        path.write_text(text)
        files.append(str(path))
    for _ in range(2):
        assert main(["run", *files, "--json"]) == 0
        results = json.loads(capsys.readouterr().out)
        assert [r["status"] for r in results] == ["SUCCEEDED"] * 3
        # The run's extraction processes ended with it; the next run starts its own
        assert sandbox.server_pid() is None
