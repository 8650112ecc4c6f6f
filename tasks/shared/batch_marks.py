"""How a stored model response says which lane answered it (read by the bedrock provider's
usage accounting, written by the batch lane)."""

from __future__ import annotations

# A key added to a Converse response answered by a Bedrock batch inference job.
BATCH_MARK = "docpipe_lane"
BATCH_LANE = "batch"
