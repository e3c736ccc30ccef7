"""Every table module, imported so `SQLModel.metadata` knows the whole schema.

`create_all` (tests, benchmarks) and Alembic's autogenerate compare against that metadata, so
a table whose module nobody happened to import yet would be missing from both.
"""

from __future__ import annotations

from nurture import api_keys, erasures, outbox, suppressions, tables, webhook_deliveries

__all__ = ["api_keys", "erasures", "outbox", "suppressions", "tables", "webhook_deliveries"]
