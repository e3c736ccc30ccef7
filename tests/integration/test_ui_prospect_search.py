"""Prospect search on a real database: case-insensitive substrings, pages of 50, wildcards typed
by people taken literally, each prospect with their journeys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.ui.prospect_search import PAGE_SIZE, search_prospects
from nurture.db import Database
from nurture.tables import Enrollment, ProspectRecord

START = datetime(2026, 3, 1, tzinfo=UTC)


async def fill(database: Database) -> None:
    async with database.session() as session:
        for n in range(PAGE_SIZE + 5):
            session.add(
                ProspectRecord(
                    id=f"p{n:02d}",
                    email=f"person{n:02d}@shop{n % 2}.example",
                    first_name=f"Name{n:02d}",
                    company="Acme_Corp" if n == 7 else "100% Widgets" if n == 8 else None,
                    created_at=START + timedelta(minutes=n),
                )
            )
        for journey, stage, score in (("b2b", "offer", 250), ("webinar", "interested", 5)):
            session.add(
                Enrollment(
                    workflow_id=f"journey:{journey}:prospect:p07",
                    prospect_id="p07",
                    journey_id=journey,
                    version=1,
                    stage=stage,
                    score=score,
                )
            )
        await session.commit()


async def test_a_blank_query_lists_everyone_newest_first_fifty_a_page(database: Database) -> None:
    await fill(database)
    async with database.session() as session:
        first = await search_prospects(session, query="  ", page=1)
        second = await search_prospects(session, query="", page=2)
        beyond = await search_prospects(session, query="", page=9)

    assert (first.total, first.pages, len(first.found)) == (55, 2, 50)
    assert first.found[0].prospect.id == "p54"
    assert (first.first, first.last) == (1, 50)
    assert [item.prospect.id for item in second.found] == ["p04", "p03", "p02", "p01", "p00"]
    assert (second.first, second.last) == (51, 55)
    assert (beyond.found, beyond.first) == ([], 0)


async def test_any_part_of_id_email_name_or_company_matches_whatever_the_case(
    database: Database,
) -> None:
    await fill(database)
    async with database.session() as session:
        by_company = await search_prospects(session, query="acme_CORP", page=1)
        by_name = await search_prospects(session, query="name1", page=1)
        by_email = await search_prospects(session, query="@SHOP1.", page=1)
        percent = await search_prospects(session, query="%", page=1)
        underscore = await search_prospects(session, query="_", page=1)

    [acme] = by_company.found
    assert acme.prospect.id == "p07"
    assert [(row.journey_id, row.stage) for row in acme.enrollments] == [
        ("b2b", "offer"),
        ("webinar", "interested"),
    ]
    assert acme.best_score == 250
    assert by_name.total == 10  # Name10 … Name19
    assert by_email.total == 27  # the odd ones
    # "%" and "_" are characters to find, not wildcards.
    assert [item.prospect.id for item in percent.found] == ["p08"]
    assert [item.prospect.id for item in underscore.found] == ["p07"]
    assert by_name.found[0].best_score is None
