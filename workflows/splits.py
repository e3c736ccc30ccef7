"""A/B splits: which branch a prospect takes, the same on every replay and in every simulation."""

from __future__ import annotations

from definitions.model import SplitBranch, SplitSpec
from workflows.commands import stable_digest


def bucket(*, journey_id: str, split_id: str, prospect_id: str) -> int:
    """0-99, uniformly spread and fixed per prospect: a hash, never a random draw."""
    return int(stable_digest(f"{journey_id}/{split_id}/{prospect_id}")[:8], 16) % 100


def choose_branch(spec: SplitSpec, *, journey_id: str, prospect_id: str) -> SplitBranch:
    point = bucket(journey_id=journey_id, split_id=spec.id, prospect_id=prospect_id)
    upper = 0
    for branch in spec.branches:
        upper += branch.percent
        if point < upper:
            return branch
    return spec.branches[-1]  # percentages are validated to sum to 100; this is unreachable
