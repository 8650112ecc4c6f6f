"""Every installed dependency admits every Python the project claims: from pyproject's
`requires-python` (the README's "Python ≥ 3.11") up to the Lambda runtime's version.

Read from the installed metadata (`Requires-Python` of each distribution in this
environment, which `make test` fills with the project and all its extras), so an indirect
dependency that drops a Python fails here too, not on a user's machine.
"""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import distributions
from pathlib import Path

from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[2]


def claimed_pythons() -> list[str]:
    """3.x for x from requires-python's lower bound to the Lambda runtime's minor."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    low = re.fullmatch(r">=\s*3\.(\d+)", project["requires-python"])
    assert low, project["requires-python"]
    bundling = (ROOT / "infra" / "bundling.py").read_text(encoding="utf-8")
    runtime = re.search(r"Runtime\.PYTHON_3_(\d+)", bundling)
    assert runtime, "infra/bundling.py names no Lambda runtime"
    return [f"3.{minor}" for minor in range(int(low[1]), int(runtime[1]) + 1)]


def test_the_claimed_pythons_run_from_the_readme_to_the_lambda_runtime() -> None:
    assert claimed_pythons()[0] == "3.11"
    assert "Python ≥ 3.11" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert claimed_pythons()[-1] == "3.14"


def test_no_installed_dependency_excludes_a_claimed_python() -> None:
    pythons = claimed_pythons()
    excluded = {}
    for dist in distributions():
        declared = dist.metadata.get("Requires-Python")
        if not declared:
            continue
        spec = SpecifierSet(declared)
        missing = [v for v in pythons if not spec.contains(f"{v}.0", prereleases=True)]
        if missing:
            excluded[f"{dist.metadata['Name']}=={dist.version}"] = (declared, missing)
    assert excluded == {}
