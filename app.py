"""CDK app: one stack, synth only, no AWS calls.

PATH=node_modules/.bin:$PATH npx cdk synth      # or: npm run synth
"""

from __future__ import annotations

import aws_cdk as cdk

from infra.config import STACK_NAME, cdk_json_context
from infra.nag import add_nag_checks
from infra.stack import DocpipeStack


def main() -> None:
    """Synthesize the docpipe stack into cdk.out (or $CDK_OUTDIR)."""
    # The CLI passes cdk.json's context too (and `-c` values over it); reading it here makes
    # `CDK_OUTDIR=... python app.py` produce the same template.
    app = cdk.App(context=cdk_json_context())
    # No env: the stack is environment-agnostic, so synth needs no account or region.
    # `-c stackName=...` deploys a second, independent copy (`--stack` of the --aws commands).
    name = str(app.node.try_get_context("stackName") or STACK_NAME)
    DocpipeStack(app, name)
    # cdk-nag findings fail synth unless acknowledged with a reason (infra/nag.py).
    add_nag_checks(app)
    app.synth()


if __name__ == "__main__":
    main()
