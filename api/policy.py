"""The sending policy (frequency cap, quiet periods): read it, replace it.

One document for all journeys. GET answers exactly what PUT takes, so an operator can fetch the
policy, edit it and put it back. A change holds from the next send on, for journeys that are
already running too: the send activity reads the policy at the moment it sends.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import SessionDep
from definitions.policy import SendingPolicy
from nurture.policy_store import current_policy, current_policy_record
from nurture.tables import SendingPolicyRecord, utcnow

router = APIRouter(prefix="/sending-policy", tags=["sending policy"])


@router.get("")
async def read_policy(session: SessionDep) -> SendingPolicy:
    """The policy in force; with none set, no cap and no quiet periods."""
    return await current_policy(session)


@router.put("")
async def replace_policy(policy: SendingPolicy, session: SessionDep) -> SendingPolicy:
    """Replace the policy; 422 names the field of each problem (`body.quiet_periods.0.end`)."""
    document = policy.model_dump(mode="json")
    current = await current_policy_record(session)
    # Every change is kept as a new row; putting the same policy again adds nothing.
    if current is None or current.policy != document:
        session.add(SendingPolicyRecord(policy=document, updated_at=utcnow()))
        await session.commit()
    return policy
