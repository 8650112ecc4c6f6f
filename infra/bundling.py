"""The Lambdas' code bundles, built locally with pip from hashed lock files: no Docker.

Each function gets a bundle with only what it imports: its own package under tasks/ with
tasks/shared/, and the third-party distributions of its named dependency set (`BUNDLES`),
installed from that set's lock file (infra/lambda-locks/<set>.txt: every distribution
pinned with its wheel's hash, for the Lambda platform, written by `make lock`) as wheels for
Linux arm64 and the runtime's CPython.

    python -m infra.bundling --report     # builds every bundle in a temporary directory
                                          # and prints their sizes (`make bundles`)
"""

from __future__ import annotations

import argparse
import atexit
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

from infra.config import PROJECT_ROOT, PYPROJECT, TASKS_DIR
from tasks.catalog import INTAKE_FUNCTIONS, TASK_FUNCTIONS, LambdaFunction

LAMBDA_RUNTIME = lambda_.Runtime.PYTHON_3_14
LAMBDA_ARCHITECTURE = lambda_.Architecture.ARM_64

# Wheels that run on the runtime's Amazon Linux 2023 (glibc 2.34) on arm64. pip does not
# expand manylinux_2_x tags to older ones, so the accepted tags are listed.
PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64", "manylinux_2_34_aarch64")

# The AWS SDK and the libraries only it needs ship with the Lambda runtime. aws-xray-sdk
# requires botocore; a bundled copy would shadow the runtime's and pair the runtime's boto3
# with a botocore of another release, so the lock files leave these out.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "urllib3", "python-dateutil", "six")

# The dependency sets: the distributions of [project.dependencies] that a function's code
# imports (what they require comes with them through the lock file). A test imports each
# handler and checks that everything it loads is in its set.
HANDLER_BASE = ("aws-lambda-powertools", "aws-xray-sdk")
BUNDLES: dict[str, tuple[str, ...]] = {
    # Extract Text: the document parsers, encoding and language detection, image headers.
    "extraction": (
        *HANDLER_BASE,
        "pypdfium2",
        "pdfminer.six",
        "python-docx",
        "python-pptx",
        "openpyxl",
        "olefile",
        "charset-normalizer",
        "py3langid",
        "pillow",
    ),
    # Merge OCR Text: the language of the OCR'd text.
    "language": (*HANDLER_BASE, "py3langid"),
    # The model calls (Bedrock through the runtime's boto3), chunking, results and intake.
    "base": HANDLER_BASE,
}
DEFAULT_BUNDLE = "base"
FUNCTION_BUNDLES = {"extract_text": "extraction", "merge_ocr_text": "language"}
# Task packages a function runs beside its own: the batch lane runs the model steps.
FUNCTION_PACKAGES: dict[str, tuple[str, ...]] = {
    "batch_lane": ("summarize_text", "combine_summaries", "classify_document"),
}
LAMBDA_FUNCTIONS: tuple[LambdaFunction, ...] = (*TASK_FUNCTIONS, *INTAKE_FUNCTIONS)

LOCK_DIR = PROJECT_ROOT / "infra" / "lambda-locks"
LOCK_INPUTS_PREFIX = "# inputs: "

# What of tasks/ goes into a bundle: the code and its JSON data, never caches or tests.
TASK_FILE_SUFFIXES = (".py", ".json")
# The part of tasks/ every function carries beside its own package.
SHARED_PACKAGE = "shared"

# Bump when the bundles' layout changes without any input changing.
_BUNDLE_FORMAT = "2"


def bundle_of(function: LambdaFunction) -> str:
    """The name of the dependency set `function` gets."""
    return FUNCTION_BUNDLES.get(function.package, DEFAULT_BUNDLE)


def lock_path(bundle: str, lock_dir: Path = LOCK_DIR) -> Path:
    """The lock file of a dependency set."""
    return lock_dir / f"{bundle}.txt"


def python_version(runtime: lambda_.Runtime = LAMBDA_RUNTIME) -> str:
    """The runtime's Python version as pip's `--python-version` takes it (e.g. "3.14")."""
    name = runtime.name
    if not name.startswith("python"):
        raise ValueError(f"not a Python runtime: {name}")
    return name.removeprefix("python")


def lambda_dependencies(pyproject: Path = PYPROJECT) -> list[str]:
    """The requirement strings of [project.dependencies]: the pins the lock files resolve."""
    with pyproject.open("rb") as handle:
        project = tomllib.load(handle)["project"]
    dependencies = project.get("dependencies", [])
    if not isinstance(dependencies, list) or not all(isinstance(d, str) for d in dependencies):
        raise ValueError(f"{pyproject}: [project] dependencies must be a list of strings")
    return list(dependencies)


def _excluded(part: str) -> bool:
    return part in {"__pycache__", "tests", "conftest.py"} or part.startswith(("test_", "."))


def task_files(tasks_dir: Path = TASKS_DIR) -> Iterator[Path]:
    """The files of the tasks/ package that the bundle carries, sorted, relative to tasks/."""
    for path in sorted(tasks_dir.rglob("*")):
        relative = path.relative_to(tasks_dir)
        if not path.is_file() or path.suffix not in TASK_FILE_SUFFIXES:
            continue
        if any(_excluded(part) for part in relative.parts):
            continue
        yield relative


def function_files(function: LambdaFunction, tasks_dir: Path = TASKS_DIR) -> Iterator[Path]:
    """The files of tasks/ that `function`'s bundle carries: tasks/__init__.py, tasks/shared/,
    its own package and those it runs (FUNCTION_PACKAGES); relative to tasks/, sorted."""
    for relative in task_files(tasks_dir):
        parts = relative.parts
        packages = {SHARED_PACKAGE, function.package, *FUNCTION_PACKAGES.get(function.package, ())}
        if parts == ("__init__.py",) or parts[0] in packages:
            yield relative


def _canonical(name: str) -> str:
    """A distribution name as the lock files and pip's report compare it (PEP 503)."""
    return name.lower().replace("_", "-").replace(".", "-")


def lock_inputs(bundle: str, pyproject: Path = PYPROJECT, version: str | None = None) -> str:
    """A digest of what the lock file of `bundle` is resolved from: every pinned dependency
    (the sets are resolved together, so their versions agree), the set's names, the Python
    version, the platforms and what the runtime provides. The lock file records it; a lock
    whose recorded digest differs is stale (`make lock`)."""
    digest = hashlib.sha256()
    digest.update(f"python={version or python_version()}\n".encode())
    digest.update(f"platforms={','.join(PLATFORMS)}\n".encode())
    digest.update(f"runtime-provided={','.join(RUNTIME_PROVIDED)}\n".encode())
    for requirement in lambda_dependencies(pyproject):
        digest.update(f"requirement={requirement}\n".encode())
    for name in sorted(_canonical(n) for n in BUNDLES[bundle]):
        digest.update(f"bundle={name}\n".encode())
    return digest.hexdigest()


def recorded_inputs(lock: Path) -> str | None:
    """The inputs digest a lock file was written from, or None if it has none."""
    for line in lock.read_text(encoding="utf-8").splitlines():
        if line.startswith(LOCK_INPUTS_PREFIX):
            return line.removeprefix(LOCK_INPUTS_PREFIX).strip()
    return None


def stale_locks(lock_dir: Path = LOCK_DIR, pyproject: Path = PYPROJECT) -> list[str]:
    """The dependency sets whose lock file is missing or was resolved from other inputs."""
    return [
        bundle
        for bundle in BUNDLES
        if not lock_path(bundle, lock_dir).is_file()
        or recorded_inputs(lock_path(bundle, lock_dir)) != lock_inputs(bundle, pyproject)
    ]


def platform_options(version: str) -> list[str]:
    """pip's options that select wheels for the Lambda platform instead of this machine."""
    options: list[str] = []
    for platform in PLATFORMS:
        options += ["--platform", platform]
    return [
        *options,
        "--only-binary=:all:",
        "--implementation",
        "cp",
        "--python-version",
        version,
    ]


def pip_command(target: Path, lock: Path, version: str) -> list[str]:
    """The pip command that installs exactly the wheels of `lock`, checked against their
    hashes, for the Lambda platform into `target`."""
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--target",
        str(target),
        *platform_options(version),
        "--require-hashes",
        "--no-deps",  # the lock lists every distribution; nothing else may come in
        # Byte code from this interpreter would be for the wrong Python version.
        "--no-compile",
        "--disable-pip-version-check",
        "--no-input",
        "--requirement",
        str(lock),
    ]


def bundle_hash(
    function: LambdaFunction,
    tasks_dir: Path = TASKS_DIR,
    lock_dir: Path = LOCK_DIR,
    version: str | None = None,
) -> str:
    """A hash of everything `function`'s bundle is built from, stable across checkouts and
    machines: its lock file (every distribution's version and hash), the Python version,
    the platforms and the names and contents of its task files."""
    digest = hashlib.sha256()
    digest.update(f"format={_BUNDLE_FORMAT}\n".encode())
    digest.update(f"python={version or python_version()}\n".encode())
    digest.update(f"platforms={','.join(PLATFORMS)}\n".encode())
    digest.update(lock_path(bundle_of(function), lock_dir).read_bytes())
    for relative in function_files(function, tasks_dir):
        digest.update(f"file={relative.as_posix()}\n".encode())
        digest.update(hashlib.sha256((tasks_dir / relative).read_bytes()).digest())
    return digest.hexdigest()


def run_pip(command: Sequence[str], what: str) -> str:
    """Run a pip command; its standard output. RuntimeError with pip's output if it fails
    (`what` it was to do, for the message)."""
    environment = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    completed = subprocess.run(
        list(command), capture_output=True, text=True, env=environment, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"pip could not {what} (exit {completed.returncode}):\n{' '.join(command)}\n"
            f"{completed.stdout[-4000:]}\n{completed.stderr[-4000:]}"
        )
    return completed.stdout


class StaleLockError(RuntimeError):
    """A lock file does not match pyproject.toml's dependencies or the bundle's set."""


# Each dependency set is installed once per process and copied into every bundle of it.
_installed: dict[tuple[Path, str], Path] = {}


def _scratch_directory() -> Path:
    scratch = Path(tempfile.mkdtemp(prefix="docpipe-lambda-deps-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    return scratch


def install_dependencies(
    bundle: str, lock_dir: Path = LOCK_DIR, version: str | None = None
) -> Path:
    """A directory holding the installed wheels of `bundle`'s lock file (installed with pip
    at the first call in this process, reused after).

    Raises StaleLockError when the lock file is stale, and RuntimeError with pip's output
    when pip fails (a hash mismatch, or no wheel for the runtime's Python on arm64).
    """
    lock = lock_path(bundle, lock_dir)
    if bundle in stale_locks(lock_dir):
        raise StaleLockError(
            f"{lock} does not match pyproject.toml's dependencies or BUNDLES[{bundle!r}]: "
            "run `make lock` and commit the lock files"
        )
    version = version or python_version()
    key = (lock.resolve(), version)
    if key in _installed:
        return _installed[key]
    target = _scratch_directory() / bundle
    run_pip(pip_command(target, lock, version), f"install the {bundle!r} Lambda dependencies")
    # Console scripts are written for this machine's interpreter; nothing on Lambda runs them.
    shutil.rmtree(target / "bin", ignore_errors=True)
    _installed[key] = target
    return target


def build_bundle(
    output_dir: Path,
    function: LambdaFunction,
    *,
    tasks_dir: Path = TASKS_DIR,
    lock_dir: Path = LOCK_DIR,
) -> None:
    """Put `function`'s dependencies and its task files into `output_dir`."""
    dependencies = install_dependencies(bundle_of(function), lock_dir)
    shutil.copytree(dependencies, output_dir, dirs_exist_ok=True)
    for relative in function_files(function, tasks_dir):
        destination = output_dir / "tasks" / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tasks_dir / relative, destination)


@jsii.implements(ILocalBundling)
class LocalPipBundling:
    """CDK's local bundling hook: builds a function's bundle with pip on this machine
    instead of Docker."""

    def __init__(self, function: LambdaFunction, tasks_dir: Path, lock_dir: Path) -> None:
        self._function = function
        self._tasks_dir = tasks_dir
        self._lock_dir = lock_dir

    def try_bundle(self, output_dir: str, *, image: DockerImage, **_options: Any) -> bool:
        """Build the bundle into `output_dir`; failures raise so that synth stops with pip's
        message rather than falling back to a Docker that is not there."""
        build_bundle(
            Path(output_dir), self._function, tasks_dir=self._tasks_dir, lock_dir=self._lock_dir
        )
        return True


def function_code(
    function: LambdaFunction, tasks_dir: Path = TASKS_DIR, lock_dir: Path = LOCK_DIR
) -> lambda_.Code:
    """The code asset of `function` (built at synth, cached in cdk.out by hash).

    The asset's hash is computed from the bundle's inputs (`bundle_hash`), so it stays the
    same across checkouts and skips the rebuild when cdk.out already holds that bundle.
    """
    return lambda_.Code.from_asset(
        str(tasks_dir),
        asset_hash=bundle_hash(function, tasks_dir, lock_dir),
        asset_hash_type=AssetHashType.CUSTOM,
        exclude=["**/__pycache__", "**/*.pyc"],
        bundling=BundlingOptions(
            # Required by CDK, used only if local bundling declined, which it never does.
            image=LAMBDA_RUNTIME.bundling_image,
            local=LocalPipBundling(function, tasks_dir, lock_dir),
        ),
    )


def directory_size(path: Path) -> tuple[int, int]:
    """Total bytes and number of files below `path`."""
    files = [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def zipped_size(directory: Path, scratch: Path) -> int:
    """Bytes of `directory` as a zip archive (what is uploaded)."""
    archive = shutil.make_archive(str(scratch / directory.name), "zip", directory)
    size = Path(archive).stat().st_size
    Path(archive).unlink()
    return size


def report(output_dir: Path | None = None) -> str:
    """Build every function's bundle (in a temporary directory unless given one) and
    describe their sizes."""
    lines = [
        f"runtime: {LAMBDA_RUNTIME.name} arm64; Lambda limits: 250 MB unzipped, 50 MB zipped"
        " direct upload",
        f"{'function':<20} {'dependencies':<12} {'MB unzipped':>11} {'MB zipped':>9} {'files':>6}",
    ]
    with tempfile.TemporaryDirectory(prefix="docpipe-bundles-") as scratch:
        root = output_dir or Path(scratch) / "bundles"
        for function in LAMBDA_FUNCTIONS:
            target = root / function.package
            build_bundle(target, function)
            total, count = directory_size(target)
            zipped = zipped_size(target, Path(scratch))
            lines.append(
                f"{function.package:<20} {bundle_of(function):<12} {total / 1e6:>11.1f}"
                f" {zipped / 1e6:>9.1f} {count:>6}"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: `python -m infra.bundling --report [--output DIR]`."""
    parser = argparse.ArgumentParser(prog="python -m infra.bundling", description=__doc__)
    parser.add_argument("--report", action="store_true", help="build the bundles, print sizes")
    parser.add_argument("--output", type=Path, help="keep the bundles in this directory")
    args = parser.parse_args(argv)
    if not args.report:
        parser.print_usage()
        return 2
    print(report(args.output))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
