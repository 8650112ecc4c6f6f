"""A process that ran the offline engine exits cleanly, even when an execution failed in a
Map while its other iterations were still running the local model.

Before the engine waited for its handlers, such a thread was still inside a native library
when the interpreter shut down, and the process died with "terminate called without an
active exception" (SIGABRT) after its work was done: two times in three, here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
from docpipe import samples
from docpipe.engine import LocalEngine
from docpipe.faults import TaskFaults

faults = TaskFaults(crash_rate=0.3, seed=3, tasks=frozenset({"summarize_text", "extract_text"}))
env = {"DOCPIPE_CHUNK_TOKENS": "400", "DOCPIPE_CHUNK_OVERLAP_TOKENS": "40"}
with LocalEngine(time_scale=0.001, extra_env=env, faults=faults) as engine:
    report = engine.upload(samples.long_report_pdf(3), "report.pdf")
    broken = engine.upload(b"%PDF-1.7 broken", "broken.pdf")
    ended = [engine.wait(upload.execution_arn, 120) for upload in (report, broken)]
    print(*(outcome.status for outcome in ended))
"""


def test_the_process_exits_cleanly_after_a_map_failed_mid_flight() -> None:
    root = Path(__file__).resolve().parents[2]
    for _ in range(2):
        finished = subprocess.run(
            [sys.executable, "-c", SCRIPT],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert "terminate called" not in finished.stderr
        assert finished.returncode == 0, finished.stderr[-2000:]
        assert finished.stdout.split()[-1] == "FAILED"
