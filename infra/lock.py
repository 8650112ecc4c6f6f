"""Write the Lambda bundles' lock files: `make lock` (python -m infra.lock).

pyproject.toml's [project.dependencies] are resolved together for the Lambda platform (arm64,
the runtime's CPython) by pip, without installing anything (`pip install --dry-run
--report`). For each dependency set of infra.bundling.BUNDLES, the distributions it needs
(its names and what they require, minus what the runtime provides) are written to
infra/lambda-locks/<set>.txt, each pinned with its wheel's sha256, in pip's requirements
format; the bundles install them with `--require-hashes --no-deps`. The file records a digest
of its inputs, which the tests compare with pyproject.toml (`--check` does the same).

    python -m infra.lock            # resolve (needs the package index) and write the locks
    python -m infra.lock --check    # offline: exit 1 naming the stale locks
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement

from infra.bundling import (
    BUNDLES,
    LOCK_DIR,
    LOCK_INPUTS_PREFIX,
    RUNTIME_PROVIDED,
    lambda_dependencies,
    lock_inputs,
    lock_path,
    platform_options,
    python_version,
    run_pip,
    stale_locks,
)
from infra.config import PYPROJECT


@dataclass(frozen=True)
class Resolved:
    """One distribution of the resolution: its pin, wheel hash and requirements."""

    name: str  # canonical (PEP 503)
    version: str
    sha256: str
    requires: tuple[str, ...]


def canonical(name: str) -> str:
    """PEP 503's normalized name."""
    return name.lower().replace("_", "-").replace(".", "-")


def marker_environment(version: str) -> dict[str, str]:
    """The Lambda runtime's values for environment markers (Linux, arm64, CPython)."""
    return {
        "python_version": version,
        "python_full_version": f"{version}.0",
        "implementation_name": "cpython",
        "implementation_version": f"{version}.0",
        "platform_python_implementation": "CPython",
        "platform_system": "Linux",
        "platform_machine": "aarch64",
        "sys_platform": "linux",
        "os_name": "posix",
        "extra": "",
    }


def resolve(requirements: Sequence[str], version: str) -> dict[str, Resolved]:
    """pip's resolution of `requirements` for the Lambda platform, by canonical name."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--dry-run",
        "--ignore-installed",
        "--quiet",
        "--report",
        "-",
        *platform_options(version),
        "--disable-pip-version-check",
        "--no-input",
        *requirements,
    ]
    report = json.loads(run_pip(command, "resolve the Lambda dependencies"))
    resolved: dict[str, Resolved] = {}
    for item in report["install"]:
        metadata = item["metadata"]
        hashes = item["download_info"].get("archive_info", {}).get("hashes", {})
        if "sha256" not in hashes:
            raise RuntimeError(f"the index gave no sha256 for {metadata['name']}")
        resolved[canonical(metadata["name"])] = Resolved(
            name=canonical(metadata["name"]),
            version=metadata["version"],
            sha256=hashes["sha256"],
            requires=tuple(metadata.get("requires_dist") or ()),
        )
    return resolved


def closure(names: Iterable[str], resolved: Mapping[str, Resolved], version: str) -> list[Resolved]:
    """`names` and everything they require on the Lambda platform, leaving out (and not
    following) what the runtime provides; sorted by name."""
    environment = marker_environment(version)
    provided = {canonical(name) for name in RUNTIME_PROVIDED}
    wanted = [canonical(name) for name in names]
    found: dict[str, Resolved] = {}
    while wanted:
        name = wanted.pop()
        if name in found or name in provided:
            continue
        if name not in resolved:
            raise RuntimeError(f"{name} is not in the resolution: is it in pyproject.toml?")
        found[name] = resolved[name]
        for requirement in map(Requirement, resolved[name].requires):
            if requirement.marker is None or Marker.evaluate(requirement.marker, environment):
                wanted.append(canonical(requirement.name))
    return [found[name] for name in sorted(found)]


def lock_text(bundle: str, entries: Sequence[Resolved], version: str) -> str:
    """The lock file of `bundle`: a header with its inputs digest, then pinned, hashed pins."""
    lines = [
        f"# Lambda dependency set {bundle!r} (infra.bundling.BUNDLES): written by `make lock`",
        f"# from pyproject.toml for CPython {version} on manylinux arm64; do not edit.",
        f"# The runtime's own {', '.join(RUNTIME_PROVIDED)} are left out.",
        f"{LOCK_INPUTS_PREFIX}{lock_inputs(bundle)}",
    ]
    for entry in entries:
        lines += [f"{entry.name}=={entry.version} \\", f"    --hash=sha256:{entry.sha256}"]
    return "\n".join(lines) + "\n"


def write_locks(lock_dir: Path = LOCK_DIR, pyproject: Path = PYPROJECT) -> list[Path]:
    """Resolve the dependencies and write every set's lock file; returns the paths."""
    version = python_version()
    resolved = resolve(lambda_dependencies(pyproject), version)
    lock_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for bundle, names in BUNDLES.items():
        path = lock_path(bundle, lock_dir)
        path.write_text(lock_text(bundle, closure(names, resolved, version), version))
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.lock", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only say which locks are stale")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_locks()
        for bundle in stale:
            print(f"stale: {lock_path(bundle)} (run `make lock`)")
        return 1 if stale else 0
    for path in write_locks():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
