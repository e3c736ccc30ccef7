"""A prospect's identifiers, and how rows that outlive an erasure are cut loose from them.

Rows kept for the reports (e-mails sent per content item, decisions, tasks' outcomes) keep their
numbers and dates but must no longer lead back to the person: the prospect id is swapped for a
random pseudonym everywhere it is part of an id (workflow ids, command keys), and the person's
identifiers are cut out of free text the system wrote (a bounce's diagnostic quotes the
address, a task title may name the company).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from nurture.tables import ProspectRecord

ERASED_TEXT = "[erased]"
PSEUDONYM_PREFIX = "erased-"
# Shorter values are not cut out of free text: "PL" or a two-letter name would take every
# "PL" and every word fragment with it, and alone they identify nobody.
MINIMUM_TERM_LENGTH = 3


def new_pseudonym() -> str:
    """Random, so the pseudonym cannot be recomputed from the id (a hash of a guessable id can)."""
    return f"{PSEUDONYM_PREFIX}{secrets.token_hex(12)}"


@dataclass(frozen=True)
class PersonalData:
    """Who is being erased, and the pseudonym their kept rows get."""

    prospect_id: str
    address: str
    pseudonym: str
    terms: tuple[str, ...]
    _pattern: re.Pattern[str] | None = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Longest first, so an address goes whole before its local part could match inside it.
        ordered = sorted(self.terms, key=len, reverse=True)
        alternatives = "|".join(rf"(?<!\w){re.escape(term)}(?!\w)" for term in ordered)
        pattern = re.compile(alternatives, re.IGNORECASE) if ordered else None
        object.__setattr__(self, "_pattern", pattern)

    @classmethod
    def of(cls, record: ProspectRecord, *, pseudonym: str) -> PersonalData:
        candidates = [
            record.email,
            record.email.partition("@")[0],
            record.first_name,
            record.company,
            record.id,
            *(value for value in record.attributes.values() if isinstance(value, str)),
        ]
        terms = {
            term.strip() for term in candidates if term and len(term.strip()) >= MINIMUM_TERM_LENGTH
        }
        return cls(
            prospect_id=record.id, address=record.email, pseudonym=pseudonym, terms=tuple(terms)
        )

    def scrub(self, text: str) -> str:
        """`text` with every identifier of the person replaced by `[erased]`."""
        if self._pattern is None:
            return text
        return self._pattern.sub(ERASED_TEXT, text)

    def scrub_optional(self, text: str | None) -> str | None:
        return None if text is None else self.scrub(text)

    def scrub_json(self, value: Any) -> Any:
        """Every string inside a JSON value scrubbed, keys included; the shape kept."""
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, list):
            return [self.scrub_json(item) for item in value]
        if isinstance(value, dict):
            return {self.scrub(str(key)): self.scrub_json(item) for key, item in value.items()}
        return value

    def workflow_id(self, workflow_id: str) -> str:
        """`journey:{j}:prospect:{id}` -> `journey:{j}:prospect:{pseudonym}`."""
        suffix = f":prospect:{self.prospect_id}"
        if workflow_id.endswith(suffix):
            return workflow_id[: -len(suffix)] + f":prospect:{self.pseudonym}"
        return self.scrub(workflow_id)

    def command_key(self, key: str) -> str:
        """`{journey}/{id}/{enrolment}/{kind}-{n}` (see `workflows.turn`) with the pseudonym."""
        journey, separator, rest = key.partition("/")
        if separator and rest.startswith(f"{self.prospect_id}/"):
            return f"{journey}/{self.pseudonym}/{rest[len(self.prospect_id) + 1 :]}"
        return self.scrub(key)
