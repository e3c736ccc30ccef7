"""Where a person's data still is: every column of every table, searched for given strings.

Searching the whole schema, not a list of known columns, means a table added later is covered
by the erasure tests without touching them.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlmodel import SQLModel

from nurture.db import Database


async def personal_data_in_tables(db: Database, *needles: str) -> dict[str, set[str]]:
    """`table.column` -> which of `needles` it holds (case-insensitively)."""
    found: dict[str, set[str]] = {}
    async with db.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for row in await connection.execute(select(table)):
                for column, value in row._mapping.items():
                    text = value if isinstance(value, str) else json.dumps(value, default=str)
                    for needle in needles:
                        if needle.lower() in text.lower():
                            found.setdefault(f"{table.name}.{column}", set()).add(needle)
    return found
