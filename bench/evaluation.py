"""The classifier's quality on the synthetic set's test split, through `docpipe eval`.

    .venv/bin/python -m bench.evaluation [--per-label N]

Generates the seeded synthetic set (`python -m bench.datasets synthetic`) into a temporary
folder and runs `docpipe eval` on its test split offline (local provider), its state
directory in the same temporary folder; prints accuracy, macro-F1, expected calibration
error and the other figures of its JSON answer. Both commands run as the user runs them,
in processes of their own. Where either does not exist yet, `unavailable` says which.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SET_NAME = "synthetic"
SPLIT = "test"
TIMEOUT_S = 3600


def docpipe_command() -> Path:
    """The `docpipe` console script of this interpreter's environment."""
    return Path(sys.executable).with_name("docpipe")


def unavailable() -> str | None:
    """Why the evaluation cannot run here, or None when it can."""
    if importlib.util.find_spec("bench.datasets.__main__") is None:
        return "`python -m bench.datasets` does not exist yet (no bench/datasets/__main__.py)"
    command = docpipe_command()
    if not command.exists():
        return f"no `docpipe` command next to {sys.executable}"
    probe = subprocess.run(
        [str(command), "eval", "--help"], capture_output=True, text=True, timeout=120
    )
    if probe.returncode != 0:
        return "`docpipe eval` does not exist yet"
    return None


def run(per_label: int | None = None) -> dict[str, Any]:
    """Generate the set, evaluate its test split; the figures (see the module docstring).

    Raises RuntimeError when a command fails, with the end of what it said.
    """
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="docpipe-bench-eval-") as scratch:
        folder = Path(scratch) / SET_NAME
        generate = [sys.executable, "-m", "bench.datasets", SET_NAME, str(folder)]
        if per_label is not None:
            generate += ["--per-label", str(per_label)]
        _check(generate, cwd=Path.cwd())
        generated_s = time.perf_counter() - started
        env = {**os.environ, "DOCPIPE_HOME": str(Path(scratch) / "home")}
        answer = _check(
            [
                str(docpipe_command()),
                "eval",
                SPLIT,
                "--labels",
                f"labels-{SPLIT}.csv",
                "--set",
                SET_NAME,
                "--split",
                SPLIT,
                "--report",
                str(Path(scratch) / "report.md"),
                "--json",
                "-q",
            ],
            cwd=folder,
            env=env,
        )
    data = json.loads(answer)
    faithfulness = data.get("faithfulness") or {}
    return {
        "set": SET_NAME,
        "split": SPLIT,
        "per_label": per_label,
        "provider": (data.get("run") or {}).get("provider", "local"),
        "documents": data.get("document_count"),
        "failed": data.get("failed"),
        "accuracy": data.get("accuracy"),
        "macro_f1": data.get("macro_f1"),
        "ece": data.get("ece"),
        "other_share": data.get("other_share"),
        "review_share": data.get("review_share"),
        "supported_share": faithfulness.get("supported_share"),
        "generate_s": generated_s,
        "eval_s": time.perf_counter() - started - generated_s,
    }


def _check(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT_S
    )
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise RuntimeError(f"{' '.join(command[:3])} … exited {done.returncode}: {tail}")
    return done.stdout


def main() -> None:
    """Run the evaluation and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-label", type=int, default=None, help="documents per label")
    args = parser.parse_args()
    reason = unavailable()
    if reason:
        raise SystemExit(f"not run: {reason}")
    try:
        figures = run(args.per_label)
    except RuntimeError as error:
        raise SystemExit(str(error)) from None
    for name, value in figures.items():
        print(f"{name:<16} {round(value, 4) if isinstance(value, float) else value}")


if __name__ == "__main__":
    main()
