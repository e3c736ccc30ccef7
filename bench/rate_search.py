"""Which rate to try next when looking for the highest sustainable event rate (pure).

Climb by a factor while steps pass; after the first failure, try once between the highest rate
that passed and the lowest that failed (their geometric mean), then stop. The answer is the
highest rate that passed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    rate: float
    passed: bool


def next_rate(
    steps: Sequence[Step], *, first: float, factor: float, max_steps: int
) -> float | None:
    """The next rate to try, or None when the search is over."""
    if factor <= 1:
        raise ValueError("the factor must be above 1")
    if not steps:
        return first
    if len(steps) >= max_steps:
        return None
    failed = [step.rate for step in steps if not step.passed]
    if not failed:
        return steps[-1].rate * factor
    passed = [step.rate for step in steps if step.passed]
    lowest_failure = min(failed)
    if not passed:
        # Even the first rate failed: look lower, unless that was already tried.
        return None if len(failed) > 1 else first / factor
    if len(failed) > 1 or steps[-1].passed:
        return None
    highest_pass = max((rate for rate in passed if rate < lowest_failure), default=None)
    if highest_pass is None:
        return None
    between = math.sqrt(highest_pass * lowest_failure)
    # Not worth a step when the two are already close.
    return between if lowest_failure / highest_pass > 1.1 else None


def sustainable_rate(steps: Sequence[Step]) -> float | None:
    """The highest rate that passed below every failure, or None if none passed."""
    failed = [step.rate for step in steps if not step.passed]
    ceiling = min(failed) if failed else math.inf
    passed = [step.rate for step in steps if step.passed and step.rate < ceiling]
    return max(passed) if passed else None
