"""The stored sending policy: every change is a row, the newest is in force."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from definitions.policy import SendingPolicy
from nurture.tables import SendingPolicyRecord


async def current_policy(session: AsyncSession) -> SendingPolicy:
    """The newest stored policy; with none stored, no cap and no quiet periods."""
    record = await current_policy_record(session)
    return SendingPolicy() if record is None else SendingPolicy.model_validate(record.policy)


async def current_policy_record(session: AsyncSession) -> SendingPolicyRecord | None:
    newest = await session.exec(
        select(SendingPolicyRecord).order_by(col(SendingPolicyRecord.id).desc()).limit(1)
    )
    return newest.first()
