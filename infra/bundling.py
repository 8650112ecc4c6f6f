"""The task Lambdas' code bundle, built locally with pip: no Docker.

One bundle serves all six functions: the runtime dependencies from pyproject.toml's
[project.dependencies], installed as wheels for the Lambda platform (Linux arm64, the
runtime's CPython), plus the tasks/ package's *.py and *.json files.

    python -m infra.bundling --report     # builds the bundle in a temporary directory
                                          # and prints its size
"""

from __future__ import annotations

import argparse
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

from infra.config import PYPROJECT, TASKS_DIR

LAMBDA_RUNTIME = lambda_.Runtime.PYTHON_3_14
LAMBDA_ARCHITECTURE = lambda_.Architecture.ARM_64

# Wheels that run on the runtime's Amazon Linux 2023 (glibc 2.34) on arm64. pip does not
# expand manylinux_2_x tags to older ones, so the accepted tags are listed.
PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64", "manylinux_2_34_aarch64")

# The AWS SDK and the libraries only it needs ship with the Lambda runtime. aws-xray-sdk
# pulls botocore in; a bundled copy would shadow the runtime's and pair the runtime's boto3
# with a botocore of another release, so these are removed from the bundle after pip.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "urllib3", "python-dateutil", "six")

# What of tasks/ goes into the bundle: the code and its JSON data, never caches or tests.
TASK_FILE_SUFFIXES = (".py", ".json")

# Bump when the bundle's layout changes without any input changing.
_BUNDLE_FORMAT = "1"


def python_version(runtime: lambda_.Runtime = LAMBDA_RUNTIME) -> str:
    """The runtime's Python version as pip's `--python-version` takes it (e.g. "3.14")."""
    name = runtime.name
    if not name.startswith("python"):
        raise ValueError(f"not a Python runtime: {name}")
    return name.removeprefix("python")


def lambda_dependencies(pyproject: Path = PYPROJECT) -> list[str]:
    """The requirement strings of [project.dependencies]: exactly what the bundle installs."""
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


def pip_command(target: Path, requirements: Sequence[str], version: str) -> list[str]:
    """The pip command that installs `requirements` as Lambda-platform wheels into `target`."""
    command = [sys.executable, "-m", "pip", "install", "--target", str(target)]
    for platform in PLATFORMS:
        command += ["--platform", platform]
    return [
        *command,
        "--only-binary=:all:",
        "--implementation",
        "cp",
        "--python-version",
        version,
        # Byte code from this interpreter would be for the wrong Python version.
        "--no-compile",
        "--disable-pip-version-check",
        "--no-input",
        *requirements,
    ]


def bundle_hash(
    tasks_dir: Path = TASKS_DIR, pyproject: Path = PYPROJECT, version: str | None = None
) -> str:
    """A hash of everything the bundle is built from: stable across checkouts and machines.

    Covers the task files' names and contents, the requirements, the Python version and the
    platforms. Unpinned transitive dependencies are not covered: a new release of one does
    not change the hash until an input does.
    """
    digest = hashlib.sha256()
    digest.update(f"format={_BUNDLE_FORMAT}\n".encode())
    digest.update(f"python={version or python_version()}\n".encode())
    digest.update(f"platforms={','.join(PLATFORMS)}\n".encode())
    digest.update(f"runtime-provided={','.join(RUNTIME_PROVIDED)}\n".encode())
    for requirement in lambda_dependencies(pyproject):
        digest.update(f"requirement={requirement}\n".encode())
    for relative in task_files(tasks_dir):
        digest.update(f"file={relative.as_posix()}\n".encode())
        digest.update(hashlib.sha256((tasks_dir / relative).read_bytes()).digest())
    return digest.hexdigest()


def _normalize(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


def remove_distributions(target: Path, names: Sequence[str]) -> list[str]:
    """Delete the installed distributions `names` from `target` using their RECORD files.

    Returns the names that were present and removed.
    """
    wanted = {_normalize(name) for name in names}
    removed: list[str] = []
    for dist_info in sorted(target.glob("*.dist-info")):
        name = dist_info.name.removesuffix(".dist-info").rsplit("-", 1)[0]
        if _normalize(name) not in wanted:
            continue
        record = dist_info / "RECORD"
        directories: set[Path] = set()
        for line in record.read_text(encoding="utf-8").splitlines():
            relative = line.split(",", 1)[0]
            if not relative:
                continue
            path = (target / relative).resolve()
            if not path.is_relative_to(target.resolve()):
                continue  # e.g. scripts recorded as ../../bin/...
            if path.is_file() or path.is_symlink():
                path.unlink()
            directories.update(p for p in path.parents if p.is_relative_to(target.resolve()))
        shutil.rmtree(dist_info, ignore_errors=True)
        # Deepest first, so that emptied packages go with their parents.
        for directory in sorted(directories, key=lambda p: len(p.parts), reverse=True):
            if (
                directory != target.resolve()
                and directory.is_dir()
                and not any(p for p in directory.iterdir() if p.name != "__pycache__")
            ):
                shutil.rmtree(directory)
        removed.append(name)
    return removed


def build_bundle(
    output_dir: Path,
    *,
    tasks_dir: Path = TASKS_DIR,
    pyproject: Path = PYPROJECT,
    version: str | None = None,
) -> None:
    """Install the Lambda dependencies into `output_dir` and copy the tasks/ package beside.

    Raises RuntimeError with pip's output when pip fails (e.g. a dependency has no wheel for
    the runtime's Python on arm64).
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    requirements = lambda_dependencies(pyproject)
    command = pip_command(output_dir, requirements, version or python_version())
    environment = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    completed = subprocess.run(
        command, capture_output=True, text=True, env=environment, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"pip could not build the Lambda bundle (exit {completed.returncode}):\n"
            f"{' '.join(command)}\n{completed.stdout[-4000:]}\n{completed.stderr[-4000:]}"
        )
    remove_distributions(output_dir, RUNTIME_PROVIDED)
    # Console scripts are written for this machine's interpreter; nothing on Lambda runs them.
    shutil.rmtree(output_dir / "bin", ignore_errors=True)
    for relative in task_files(tasks_dir):
        destination = output_dir / "tasks" / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tasks_dir / relative, destination)


@jsii.implements(ILocalBundling)
class LocalPipBundling:
    """CDK's local bundling hook: builds the bundle with pip on this machine instead of Docker."""

    def __init__(self, tasks_dir: Path = TASKS_DIR, pyproject: Path = PYPROJECT) -> None:
        self._tasks_dir = tasks_dir
        self._pyproject = pyproject

    def try_bundle(self, output_dir: str, *, image: DockerImage, **_options: Any) -> bool:
        """Build the bundle into `output_dir`; failures raise so that synth stops with pip's
        message rather than falling back to a Docker that is not there."""
        build_bundle(Path(output_dir), tasks_dir=self._tasks_dir, pyproject=self._pyproject)
        return True


def task_code(tasks_dir: Path = TASKS_DIR, pyproject: Path = PYPROJECT) -> lambda_.Code:
    """The code asset shared by every task function (built once per synth, cached by hash).

    The asset's hash is computed from the bundle's inputs (`bundle_hash`), so it stays the
    same across checkouts and skips the rebuild when cdk.out already holds that bundle.
    """
    return lambda_.Code.from_asset(
        str(tasks_dir),
        asset_hash=bundle_hash(tasks_dir, pyproject),
        asset_hash_type=AssetHashType.CUSTOM,
        exclude=["**/__pycache__", "**/*.pyc"],
        bundling=BundlingOptions(
            # Required by CDK, used only if local bundling declined, which it never does.
            image=LAMBDA_RUNTIME.bundling_image,
            local=LocalPipBundling(tasks_dir, pyproject),
        ),
    )


def directory_size(path: Path) -> tuple[int, int]:
    """Total bytes and number of files below `path`."""
    files = [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def report(output_dir: Path | None = None) -> str:
    """Build the bundle (in a temporary directory unless given one) and describe its size."""
    with tempfile.TemporaryDirectory(prefix="docpipe-bundle-") as scratch:
        target = output_dir or Path(scratch) / "bundle"
        build_bundle(target)
        total, count = directory_size(target)
        archive = shutil.make_archive(str(Path(scratch) / "bundle"), "zip", target)
        zipped = Path(archive).stat().st_size
        sizes: dict[str, int] = {}
        for entry in target.iterdir():
            sizes[entry.name] = directory_size(entry)[0] if entry.is_dir() else entry.stat().st_size
        largest = sorted(sizes.items(), key=lambda item: item[1], reverse=True)[:8]
        lines = [
            f"runtime: {LAMBDA_RUNTIME.name} arm64",
            f"bundle: {total / 1e6:.1f} MB unzipped in {count} files, {zipped / 1e6:.1f} MB zipped"
            " (Lambda limits: 250 MB unzipped, 50 MB zipped direct upload)",
            "largest: " + ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in largest),
        ]
        return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: `python -m infra.bundling --report [--output DIR]`."""
    parser = argparse.ArgumentParser(prog="python -m infra.bundling", description=__doc__)
    parser.add_argument("--report", action="store_true", help="build the bundle, print its size")
    parser.add_argument("--output", type=Path, help="keep the bundle in this directory")
    args = parser.parse_args(argv)
    if not args.report:
        parser.print_usage()
        return 2
    print(report(args.output))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
