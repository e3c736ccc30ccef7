"""Counting what a fault did: e-mails at the SMTP sink, tasks, events applied; lost and doubled.

E-mails are counted twice over: by Message-ID (the same message delivered again) and by what
they are, (prospect, content) or (prospect, task notice), so a second copy under a new id
counts as a duplicate too. Tasks are counted in the `tasks` table; events by the journey's
`event_applied` decisions, one per event id applied.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from sqlmodel import col, select

from nurture.db import Database
from nurture.outbox import OutboxMessage
from nurture.tables import DecisionRecord, EventRecord, SalesTask
from tests.faults.client import Posting
from tests.faults.sink import Arrived

MailKey = tuple[str, str]  # (prospect id, content id or "task notice: <title>")


@dataclass(frozen=True)
class Expected:
    """What a fault-free run would have produced."""

    workflows: Mapping[str, str]  # prospect id -> workflow id
    content: Mapping[str, tuple[str, ...]]  # prospect id -> content e-mails due
    tasks: Mapping[str, tuple[str, ...]]  # prospect id -> titles of tasks due
    events: Mapping[str, str]  # event id -> prospect id, every distinct event posted


@dataclass(frozen=True)
class Tally:
    events_posted: int
    requests: int
    answers: Mapping[int, int]
    events_refused: int
    events_recorded: int
    events_applied: int
    events_lost: int
    events_applied_twice: int
    emails_expected: int
    emails_arrived: int
    emails_lost: int
    emails_duplicated_by_message_id: int
    emails_duplicated_by_content: int
    emails_unexpected: int
    tasks_expected: int
    tasks_found: int
    tasks_lost: int
    tasks_duplicated: int
    outbox: Mapping[str, int]

    @property
    def lost(self) -> int:
        return self.events_lost + self.emails_lost + self.tasks_lost

    @property
    def duplicated(self) -> int:
        duplicated_emails = max(
            self.emails_duplicated_by_message_id, self.emails_duplicated_by_content
        )
        return self.events_applied_twice + duplicated_emails + self.tasks_duplicated

    def numbers(self) -> dict[str, object]:
        return {
            "events posted": self.events_posted,
            "HTTP requests": self.requests,
            "answers": dict(sorted(self.answers.items())),
            "events refused": self.events_refused,
            "events recorded": self.events_recorded,
            "events applied": self.events_applied,
            "events lost": self.events_lost,
            "events applied twice": self.events_applied_twice,
            "e-mails expected": self.emails_expected,
            "e-mails arrived": self.emails_arrived,
            "e-mails lost": self.emails_lost,
            "e-mails duplicated (Message-ID)": self.emails_duplicated_by_message_id,
            "e-mails duplicated (prospect, content)": self.emails_duplicated_by_content,
            "e-mails unexpected": self.emails_unexpected,
            "tasks expected": self.tasks_expected,
            "tasks found": self.tasks_found,
            "tasks lost": self.tasks_lost,
            "tasks duplicated": self.tasks_duplicated,
            "outbox states": dict(sorted(self.outbox.items())),
            "lost": self.lost,
            "duplicated": self.duplicated,
        }

    def assert_nothing_lost_or_doubled(self) -> None:
        """Every fault test's goal: zero lost, zero duplicated, and nothing sent that was not
        due. (Asserts outside test modules are not rewritten by pytest: the message says it.)"""
        counts = {
            "lost": self.lost,
            "duplicated": self.duplicated,
            "unexpected e-mails": self.emails_unexpected,
        }
        assert set(counts.values()) == {0}, f"{counts}; all numbers: {self.numbers()}"

    def assert_events_resent_until_accepted(self, *, refused_at_least: int) -> None:
        """Events posted during an outage were answered 503 (send again), at least this many
        times, and every one was accepted in the end: none refused for good, no other answer."""
        answers = dict(self.answers)
        assert set(answers) <= {202, 503}, f"answers {answers}"
        assert answers.get(503, 0) >= refused_at_least, f"answers {answers}"
        assert self.events_refused == 0, f"{self.events_refused} events refused for good"

    def report(self, scenario: str, record: Callable[[str, object], None]) -> None:
        """Print the numbers (pytest -s shows them) and keep them in the JUnit properties."""
        print(f"\n{scenario}:")
        for name, value in self.numbers().items():
            print(f"  {name:<40} {value}")
            record(name, value)


async def count(
    db: Database, *, expected: Expected, arrived: Iterable[Arrived], posting: Posting
) -> Tally:
    workflow_ids = list(expected.workflows.values())
    async with db.session() as session:
        tasks = list(
            await session.exec(
                select(SalesTask).where(col(SalesTask.workflow_id).in_(workflow_ids))
            )
        )
        applied = list(
            await session.exec(
                select(DecisionRecord.event_id)
                .where(col(DecisionRecord.workflow_id).in_(workflow_ids))
                .where(DecisionRecord.kind == "event_applied")
            )
        )
        recorded = list(
            await session.exec(
                select(EventRecord.id).where(col(EventRecord.id).in_(list(expected.events)))
            )
        )
        outbox = list(
            await session.exec(
                select(OutboxMessage.state).where(col(OutboxMessage.workflow_id).in_(workflow_ids))
            )
        )
    task_keys = Counter((task.prospect_id, task.title) for task in tasks)
    due_tasks = {(pid, title) for pid, titles in expected.tasks.items() for title in titles}
    notices = {task.id: (task.prospect_id, f"task notice: {task.title}") for task in tasks}
    mails = _mail_keys(arrived, prospects=set(expected.workflows), notices=notices)
    due_mail = {(pid, content) for pid, items in expected.content.items() for content in items}
    due_mail |= {(pid, f"task notice: {title}") for pid, title in due_tasks}
    by_key = Counter(key for key, _ in mails)
    by_message_id = Counter(message_id for _, message_id in mails)
    applications = Counter(event_id for event_id in applied if event_id in expected.events)
    return Tally(
        events_posted=len(expected.events),
        requests=posting.requests,
        answers=dict(posting.answers),
        events_refused=len(set(posting.refused) & set(expected.events)),
        events_recorded=len(recorded),
        events_applied=len(applications),
        events_lost=len(set(expected.events) - set(applications)),
        events_applied_twice=_extra(applications.values()),
        emails_expected=len(due_mail),
        emails_arrived=len(mails),
        emails_lost=len(due_mail - set(by_key)),
        emails_duplicated_by_message_id=_extra(by_message_id.values()),
        emails_duplicated_by_content=_extra(by_key.values()),
        emails_unexpected=sum(n for key, n in by_key.items() if key not in due_mail),
        tasks_expected=len(due_tasks),
        tasks_found=len(tasks),
        tasks_lost=len(due_tasks - set(task_keys)),
        tasks_duplicated=_extra(task_keys.values()),
        outbox=Counter(outbox),
    )


def _mail_keys(
    arrived: Iterable[Arrived], *, prospects: set[str], notices: Mapping[str, MailKey]
) -> list[tuple[MailKey, str]]:
    """(what it is, Message-ID) of each e-mail about this run's prospects; others are ignored
    (a notice for a task that does not exist is kept, as unexpected)."""
    mails: list[tuple[MailKey, str]] = []
    for mail in arrived:
        if mail.prospect_id in prospects and mail.content_id is not None:
            mails.append(((mail.prospect_id, mail.content_id), mail.message_id))
        elif mail.task_id is not None:
            key = notices.get(mail.task_id, ("?", f"task notice: unknown task {mail.task_id}"))
            mails.append((key, mail.message_id))
    return mails


def _extra(counts: Iterable[int]) -> int:
    """Copies beyond the first, from how many times each thing was seen."""
    return sum(n - 1 for n in counts if n > 1)
