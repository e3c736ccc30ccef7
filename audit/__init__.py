"""The audit trail: a prospect's timeline read back from the Temporal workflow history."""
