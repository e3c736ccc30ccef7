"""How well the inbound classifier does on the labelled corpus, and how fast.

    .venv/bin/python -m bench.inbound_accuracy [--corpus DIR] [--json OUT]

Prints, per kind, the expected count, correct answers, precision and recall; the overall kind
accuracy; the exact return-date accuracy (over all entries, null == null counting as a match,
and over the entries that expect a date); the alternate-contact accuracy; the same date
accuracies for a dateparser-only approach (`search_dates` over the text, first date on or
after the sent date) so the choice of our own rules is shown by numbers; and every miss.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

import yaml
from dateparser.search import search_dates

from inbound.classify import AlternateContact, Classification, classify
from inbound.message import InboundMessage, MessageUnreadable, parse_message

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent / "tests" / "inbound_corpus"
KINDS = ("reply", "autoreply", "bounce", "unsubscribe", "unknown")
_DATEPARSER_SETTINGS = {"PREFER_DATES_FROM": "future", "DATE_ORDER": "DMY"}


@dataclass(frozen=True)
class Expectation:
    file: str
    kind: str
    return_date: date | None
    alternate_contact: Mapping[str, Any] | None
    # False when the corpus entry says nothing about a contact, so it is not scored.
    contact_scored: bool
    received_at: datetime | None


@dataclass
class Outcome:
    expectation: Expectation
    kind: str
    return_date: date | None
    alternate_contact: AlternateContact | None
    reason: str
    dateparser_date: date | None

    @property
    def kind_ok(self) -> bool:
        return self.kind == self.expectation.kind

    @property
    def date_ok(self) -> bool:
        return self.return_date == self.expectation.return_date

    @property
    def contact_ok(self) -> bool | None:
        if not self.expectation.contact_scored:
            return None
        return _same_contact(self.expectation.alternate_contact, self.alternate_contact)


@dataclass
class KindFigures:
    expected: int = 0
    predicted: int = 0
    correct: int = 0

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.expected if self.expected else 0.0


@dataclass
class Report:
    total: int
    kinds: dict[str, KindFigures]
    kind_accuracy: float
    date_accuracy: float
    date_accuracy_with_date: float
    contact_accuracy: float
    contacts_scored: int
    dateparser_date_accuracy: float
    dateparser_date_accuracy_with_date: float
    messages_per_second: float
    misses: list[dict[str, str]] = field(default_factory=list)


def load_expectations(corpus: Path) -> list[Expectation]:
    document = yaml.safe_load((corpus / "expected.yaml").read_text(encoding="utf-8"))
    return [_expectation(entry) for entry in _entries(document)]


def evaluate(corpus: Path, *, with_baseline: bool = True) -> Report:
    """Classify the corpus; `with_baseline=False` skips the slow dateparser-only comparison."""
    outcomes: list[Outcome] = []
    classifying = 0.0
    for expectation in load_expectations(corpus):
        raw = (corpus / expectation.file).read_bytes()
        started = time.perf_counter()
        try:
            message = parse_message(raw)
        except MessageUnreadable as error:
            outcomes.append(Outcome(expectation, "unreadable", None, None, str(error), None))
            continue
        result = classify(message, received_at=expectation.received_at or _fallback_time())
        classifying += time.perf_counter() - started
        outcomes.append(_outcome(expectation, message, result, with_baseline=with_baseline))
    return _report(outcomes, classifying)


def _outcome(
    expectation: Expectation,
    message: InboundMessage,
    result: Classification,
    *,
    with_baseline: bool,
) -> Outcome:
    sent = message.sent_at or expectation.received_at or _fallback_time()
    baseline = None
    if with_baseline and result.kind == "autoreply":
        baseline = _dateparser_only(message.text, sent)
    return Outcome(
        expectation=expectation,
        kind=result.kind,
        return_date=result.return_date,
        alternate_contact=result.alternate_contact,
        reason=result.reason,
        dateparser_date=baseline,
    )


def _dateparser_only(text: str, sent: datetime) -> date | None:
    """The first date dateparser finds in the text that is not before the sent date."""
    settings = {**_DATEPARSER_SETTINGS, "RELATIVE_BASE": sent.replace(tzinfo=None)}
    found = search_dates(text, languages=["pl", "en", "de"], settings=settings) or []
    for _, moment in found:
        if moment.date() >= sent.date():
            return cast("date", moment.date())
    return None


def _report(outcomes: Sequence[Outcome], seconds: float) -> Report:
    kinds = {kind: KindFigures() for kind in KINDS}
    for outcome in outcomes:
        kinds.setdefault(outcome.expectation.kind, KindFigures()).expected += 1
        kinds.setdefault(outcome.kind, KindFigures()).predicted += 1
        if outcome.kind_ok:
            kinds[outcome.kind].correct += 1
    with_date = [o for o in outcomes if o.expectation.return_date is not None]
    contacts = [ok for o in outcomes if (ok := o.contact_ok) is not None]
    return Report(
        total=len(outcomes),
        kinds=kinds,
        kind_accuracy=_share(o.kind_ok for o in outcomes),
        date_accuracy=_share(o.date_ok for o in outcomes),
        date_accuracy_with_date=_share(o.date_ok for o in with_date),
        contact_accuracy=_share(contacts),
        contacts_scored=len(contacts),
        dateparser_date_accuracy=_share(
            o.dateparser_date == o.expectation.return_date for o in outcomes
        ),
        dateparser_date_accuracy_with_date=_share(
            o.dateparser_date == o.expectation.return_date for o in with_date
        ),
        messages_per_second=len(outcomes) / seconds if seconds else 0.0,
        misses=[_miss(o) for o in outcomes if _missed(o)],
    )


def _missed(outcome: Outcome) -> bool:
    return not (outcome.kind_ok and outcome.date_ok and outcome.contact_ok is not False)


def _miss(outcome: Outcome) -> dict[str, str]:
    expected = outcome.expectation
    contact = "" if outcome.contact_ok is not False else f" contact={outcome.alternate_contact}"
    return {
        "file": expected.file,
        "expected": f"{expected.kind} {expected.return_date or '-'}"
        + ("" if outcome.contact_ok is not False else f" contact={expected.alternate_contact}"),
        "got": f"{outcome.kind} {outcome.return_date or '-'}{contact}",
        "reason": outcome.reason,
    }


def _share(results: Any) -> float:
    values = list(results)
    return sum(1 for value in values if value) / len(values) if values else 1.0


def _same_contact(expected: Mapping[str, Any] | None, got: AlternateContact | None) -> bool:
    if expected is None or got is None:
        return expected is None and got is None
    return (
        _fold(expected.get("name")) == _fold(got.name)
        and _fold(expected.get("email")) == _fold(got.email)
        and _digits(expected.get("phone")) == _digits(got.phone)
    )


def _fold(value: Any) -> str | None:
    return " ".join(str(value).split()).casefold() if value else None


def _digits(value: Any) -> str | None:
    return re.sub(r"\D", "", str(value)) if value else None


def _entries(document: Any) -> list[Mapping[str, Any]]:
    """The corpus entries, whether listed or keyed by file name."""
    if isinstance(document, Mapping):
        for key in ("messages", "entries", "cases", "corpus"):
            if isinstance(document.get(key), list):
                return list(document[key])
        return [{"file": name, **entry} for name, entry in document.items()]
    if isinstance(document, list):
        return document
    raise ValueError("expected.yaml must hold a list of entries or a mapping of file to entry")


def _expectation(entry: Mapping[str, Any]) -> Expectation:
    return Expectation(
        file=str(entry.get("file") or entry.get("path") or entry["name"]),
        kind=str(entry["kind"]),
        return_date=_as_date(entry.get("return_date")),
        alternate_contact=entry.get("alternate_contact"),
        contact_scored="alternate_contact" in entry,
        received_at=_as_datetime(entry.get("received_at")),
    )


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _as_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _fallback_time() -> datetime:
    # Only for corpus messages without a Date header and without received_at: a fixed moment,
    # so that the bench gives the same figures whenever it runs.
    return datetime(2026, 1, 1, tzinfo=UTC)


def _print(report: Report) -> None:
    print(f"{'kind':<12}{'expected':>9}{'correct':>9}{'precision':>11}{'recall':>8}")
    for kind, figures in report.kinds.items():
        print(
            f"{kind:<12}{figures.expected:>9}{figures.correct:>9}"
            f"{_percent(figures.precision, figures.predicted):>11}"
            f"{_percent(figures.recall, figures.expected):>8}"
        )
    print()
    rows = [
        ("messages", f"{report.total}"),
        ("kind accuracy", f"{report.kind_accuracy:.1%}"),
        ("return date, all entries", f"{report.date_accuracy:.1%}"),
        ("return date, entries with a date", f"{report.date_accuracy_with_date:.1%}"),
        ("dateparser only, all entries", f"{report.dateparser_date_accuracy:.1%}"),
        (
            "dateparser only, entries with a date",
            f"{report.dateparser_date_accuracy_with_date:.1%}",
        ),
        (
            "alternate contact",
            f"{report.contact_accuracy:.1%} of {report.contacts_scored} scored",
        ),
        ("messages/second", f"{report.messages_per_second:.0f}"),
    ]
    for label, value in rows:
        print(f"{label:<40}{value:>20}")
    print(f"\nmisses: {len(report.misses)}")
    for miss in report.misses:
        print(f"  {miss['file']}: expected {miss['expected']}, got {miss['got']}")
        print(f"      {miss['reason']}")


def _percent(value: float, count: int) -> str:
    return f"{value:.1%}" if count else "-"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    arguments = parser.parse_args(argv)
    report = evaluate(arguments.corpus)
    _print(report)
    if arguments.json is not None:
        figures = asdict(report)
        figures["kinds"] = {
            kind: {**asdict(f), "precision": f.precision, "recall": f.recall}
            for kind, f in report.kinds.items()
        }
        arguments.json.write_text(json.dumps(figures, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
