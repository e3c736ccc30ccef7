"""A prospect's audit timeline and full-record export (filled in by the audit work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/prospects", tags=["audit"])
