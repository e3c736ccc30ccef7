"""The one-line summaries of timeline items a person reads (decisions bring their own reason)."""

from __future__ import annotations

from typing import Any

_CLOSED = {
    "completed": "the journey ended",
    "continued_as_new": "history cut short: continued as a new run",
    "terminated": "the workflow was terminated",
    "failed": "the workflow failed",
    "canceled": "the workflow was cancelled",
    "timed_out": "the workflow timed out",
}

_TASK_ACTIONS = {
    "handoff": "hand-off to sales",
    "task": "task",
    "remind": "reminded the assignee of overdue task",
    "notify_manager": "told the manager about overdue task",
    "reassign": "passed on overdue task",
    "reassigned": "told the new assignee about task",
}


def run_closed_text(status: str, detail: str | None) -> str:
    text = _CLOSED.get(status, status.replace("_", " "))
    return f"{text}: {detail}" if detail else text


def email_item_text(*, status: str, details: dict[str, Any]) -> str:
    """E.g. `e-mail "Intro for Ada" (intro) sent, message id <…>: sequence step 1 of first`."""
    subject = details.get("subject")
    what = (
        f'e-mail "{subject}" ({details["content_id"]})'
        if subject
        else (f"e-mail {details['content_id']!r}")
    )
    outcome = {
        "sent": f"sent, message id {details.get('message_id')}",
        "deferred": f"held back until {details.get('until')} ({details.get('held_because')})",
        "dropped": f"dropped ({details.get('held_because')})",
        "failed": f"not delivered ({details.get('failure')})",
    }.get(status, "being sent")
    return f"{what} {outcome}: {details['reason']}"


def task_item_text(*, action: str, details: dict[str, Any]) -> str:
    """E.g. `hand-off to sales "Call them" (queue sales, assignee ana@x): score reached 50`."""
    words = _TASK_ACTIONS.get(action, action.replace("_", " "))
    title = details.get("title")
    named = f'{words} "{title}"' if title else f"{words} {details['task_id']}"
    where = [
        f"{label} {details[key]}"
        for key, label in (("queue", "queue"), ("assignee", "assignee"))
        if details.get(key)
    ]
    text = f"{named} ({', '.join(where)})" if where else named
    reason = details.get("reason")
    return f"{text}: {reason}" if reason else text
