"""Shared set-up for the infrastructure tests: synthesize DocpipeStack without AWS."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# jsii starts `node` at the first aws_cdk import. The project's Node 22 (npm install) avoids
# the machine's end-of-life Node 20 and its banner; JSII_NODE is jsii's own setting for it.
_PROJECT_NODE = Path(__file__).resolve().parents[2] / "node_modules" / ".bin" / "node"
if _PROJECT_NODE.exists():
    os.environ.setdefault("JSII_NODE", str(_PROJECT_NODE))

import aws_cdk as cdk  # noqa: E402  (after JSII_NODE, which the import reads)
from aws_cdk.assertions import Template  # noqa: E402
from templates import Json  # noqa: E402

from infra.config import cdk_json_context  # noqa: E402
from infra.nag import add_nag_checks  # noqa: E402
from infra.stack import DocpipeStack  # noqa: E402

# A stack name pattern that matches no stack: CDK skips bundling (no pip run).
SKIP_BUNDLING: dict[str, Any] = {"aws:cdk:bundling-stacks": []}


def synth_stack(
    context: dict[str, Any] | None = None,
    *,
    bundle: bool = False,
    nag: bool = False,
    outdir: Path | None = None,
) -> DocpipeStack:
    """A DocpipeStack in a fresh app with cdk.json's context, `context` over it.

    Bundling is skipped unless `bundle` is true; `nag` adds the cdk-nag checks app.py runs;
    `outdir` is where the app synthesizes to.
    """
    app_context = {**cdk_json_context(), **(context or {})}
    if not bundle:
        app_context.update(SKIP_BUNDLING)
    app = cdk.App(context=app_context, outdir=str(outdir) if outdir else None)
    stack = DocpipeStack(app, "Docpipe")
    if nag:
        add_nag_checks(app)
    return stack


@pytest.fixture(scope="session")
def synth() -> Callable[..., DocpipeStack]:
    """The `synth_stack` factory, for module-scoped fixtures that synthesize once."""
    return synth_stack


@pytest.fixture(scope="module")
def stack(synth: Callable[..., DocpipeStack]) -> DocpipeStack:
    """The stack with cdk.json's context, synthesized once per module."""
    return synth()


@pytest.fixture(scope="module")
def template(stack: DocpipeStack) -> Template:
    return Template.from_stack(stack)


@pytest.fixture(scope="module")
def resources(template: Template) -> Json:
    """The template's Resources section."""
    resources: Json = template.to_json()["Resources"]
    return resources
