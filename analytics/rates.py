"""How every report turns counts into rates: a fraction of 0..1, or None when nothing was counted.

None rather than 0 when the whole is empty: "no prospect entered, so no conversion" must not
read as "everybody who entered was lost".
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median

DIGITS = 4


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, DIGITS) if whole else None


def difference(minuend: float | None, subtrahend: float | None) -> float | None:
    if minuend is None or subtrahend is None:
        return None
    return round(minuend - subtrahend, DIGITS)


def median_or_none(values: Sequence[float], *, digits: int = 2) -> float | None:
    return round(median(values), digits) if values else None
