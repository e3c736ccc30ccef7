"""Finding prospects for the UI: a case-insensitive substring of id, e-mail, name or company,
a page at a time, each with where they are in their journeys (from the projections).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from nurture.tables import Enrollment, ProspectRecord

PAGE_SIZE = 50
MAX_QUERY_LENGTH = 200


@dataclass(frozen=True)
class FoundProspect:
    prospect: ProspectRecord
    enrollments: list[Enrollment]

    @property
    def best_score(self) -> int | None:
        return max((row.score for row in self.enrollments), default=None)


@dataclass(frozen=True)
class SearchPage:
    query: str
    page: int
    total: int
    found: list[FoundProspect] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def first(self) -> int:
        """The position of the first prospect shown, from 1 (0 when none is)."""
        return (self.page - 1) * PAGE_SIZE + 1 if self.found else 0

    @property
    def last(self) -> int:
        return (self.page - 1) * PAGE_SIZE + len(self.found)


def _matches(query: str) -> ColumnElement[bool]:
    # `autoescape` makes % and _ in what people type plain characters, not wildcards.
    needle = query.lower()
    return or_(
        *(
            func.lower(column).contains(needle, autoescape=True)
            for column in (
                col(ProspectRecord.id),
                col(ProspectRecord.email),
                col(ProspectRecord.first_name),
                col(ProspectRecord.company),
            )
        )
    )


async def search_prospects(session: AsyncSession, *, query: str, page: int) -> SearchPage:
    """Prospects matching `query` (all of them when it is blank), newest first, page `page`
    (from 1) of PAGE_SIZE; a page past the end is empty, never an error."""
    query = query.strip()[:MAX_QUERY_LENGTH]
    page = max(page, 1)
    condition = _matches(query) if query else None
    counting = select(func.count()).select_from(ProspectRecord)
    listing = select(ProspectRecord)
    if condition is not None:
        counting = counting.where(condition)
        listing = listing.where(condition)
    total = (await session.exec(counting)).one()
    prospects = list(
        await session.exec(
            listing.order_by(col(ProspectRecord.created_at).desc(), col(ProspectRecord.id))
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    )
    by_prospect: dict[str, list[Enrollment]] = {prospect.id: [] for prospect in prospects}
    if prospects:
        rows = await session.exec(
            select(Enrollment)
            .where(col(Enrollment.prospect_id).in_(list(by_prospect)))
            .order_by(col(Enrollment.enrolled_at))
        )
        for row in rows:
            by_prospect[row.prospect_id].append(row)
    return SearchPage(
        query=query,
        page=page,
        total=total,
        found=[FoundProspect(prospect, by_prospect[prospect.id]) for prospect in prospects],
    )
