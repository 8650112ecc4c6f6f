"""`docpipe run`'s progress lines on stderr, and Ctrl-C: every finished result is printed
and the documents not ended are marked, with exit code 130."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from child_signals import default_sigint

from docpipe import samples
from docpipe.cli import main


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def two_letters(folder: Path) -> list[str]:
    first, second = folder / "first.txt", folder / "second.txt"
    first.write_text(samples.LETTER)
    second.write_text(samples.LETTER.replace("Dear", "Hello"))
    return [str(first), str(second)]


def test_a_terminal_gets_a_line_per_finished_document_and_q_silences_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    files = two_letters(tmp_path)
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["run", *files, "--json"]) == 0
    lines = [line for line in terminal.getvalue().splitlines() if line.startswith("[")]
    assert sorted(line[:5] for line in lines) == ["[1/2]", "[2/2]"]
    assert all("SUCCEEDED" in line for line in lines)
    assert {line.rsplit(" ", 1)[-1] for line in lines} == set(files)
    assert len(json.loads(capsys.readouterr().out)) == 2  # stdout holds only the answer

    quiet = Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    assert main(["run", *files, "--json", "-q"]) == 0
    assert not [line for line in quiet.getvalue().splitlines() if line.startswith("[")]


def test_no_progress_when_stderr_is_not_a_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", *two_letters(tmp_path)]) == 0
    assert "[1/2]" not in capsys.readouterr().err


def test_ctrl_c_prints_each_finished_result_and_marks_the_rest(tmp_path: Path) -> None:
    # Given a letter that goes through and a memo whose extraction hangs
    letter, memo = tmp_path / "letter.txt", tmp_path / "stuck-memo.txt"
    letter.write_text(samples.LETTER)
    memo.write_text(samples.LETTER.replace("Dear", "Hi"))
    env = {
        **os.environ,
        "DOCPIPE_PROGRESS": "1",
        "DOCPIPE_FAULT_TIMEOUT_RATE": "1",
        "DOCPIPE_FAULT_TASKS": "extract_text",
        "DOCPIPE_FAULT_MATCH": "stuck-memo",
    }
    command = [sys.executable, "-m", "docpipe.cli", "run", str(letter), str(memo), "--json"]
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,
    )
    assert process.stderr is not None
    # When the user presses Ctrl-C once the letter has finished
    deadline = time.monotonic() + 120
    for line in process.stderr:
        if line.startswith("[1/2]"):
            break
        assert time.monotonic() < deadline, "the letter never finished"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)

    # Then the letter's result is printed, the memo is marked, and the exit code says so
    assert process.returncode == 130, err
    results = {Path(r["file"]).name: r for r in json.loads(out)}
    assert results["letter.txt"]["status"] == "SUCCEEDED"
    assert results["stuck-memo.txt"]["status"] == "TIMED_OUT"
    assert results["stuck-memo.txt"]["error"]["type"] == "Interrupted"
    assert (
        "still running when the command was interrupted"
        in results["stuck-memo.txt"]["error"]["message"]
    )
    assert "interrupted" in err
