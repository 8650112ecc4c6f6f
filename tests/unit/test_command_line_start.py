"""`docpipe --help` and `--version` answer without loading the engine (moto, boto3)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_command_line_loads_no_engine_until_a_command_needs_it() -> None:
    probe = (
        "import sys, contextlib, io\n"
        "from docpipe.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):\n"
        "    main(['--version'])\n"
        "print(out.getvalue().strip())\n"
        "print(sorted(m for m in ('moto', 'boto3', 'botocore') if m in sys.modules))\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    version, loaded = finished.stdout.strip().splitlines()
    assert version.startswith("docpipe ")
    assert loaded == "[]"


def test_help_lists_every_command() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "docpipe.cli", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    for command in ("run", "demo", "extract", "trace", "results", "dlq"):
        assert command in finished.stdout
