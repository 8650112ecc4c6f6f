"""Bedrock model ids: the foundation model behind an inference profile id or an ARN.

One place for the geography prefixes of cross-region inference profiles
("us.amazon.nova-micro-v1:0" runs amazon.nova-micro-v1:0), used by the prices, the
provider's prompt-cache check and the stack's IAM.
"""

from __future__ import annotations

PROFILE_GEOGRAPHIES = ("us.", "eu.", "apac.", "global.", "ca.", "jp.", "au.", "us-gov.")


def profile_base_model(model_id: str) -> str | None:
    """The foundation model behind a cross-region inference profile id, else None."""
    for geography in PROFILE_GEOGRAPHIES:
        if model_id.startswith(geography):
            return model_id.removeprefix(geography)
    return None


def base_model_id(model_id: str) -> str:
    """The foundation model id of a model id, an inference profile id or either's ARN."""
    name = model_id.rsplit("/", 1)[-1] if model_id.startswith("arn:") else model_id
    return profile_base_model(name) or name
