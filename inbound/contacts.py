"""Someone else to write to while the sender is away: "please contact Anna Kowalska at
anna.kowalska@firma.pl", "w pilnych sprawach proszę kontaktować się z …", "Vertretung: …".

Only text after such words counts, and never the sender's own address: the signature's
details belong to the person who is away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class AlternateContact:
    name: str | None
    email: str | None
    phone: str | None


_TRIGGER = re.compile(
    r"\bplease\s+(?:contact|e-?mail|write\s+to|reach\s+out\s+to|get\s+in\s+touch\s+with|call)|"
    r"\b(?:you\s+(?:can|may)|feel\s+free\s+to)\s+(?:contact|reach|e-?mail|call)|"
    r"\breach\s+out\s+to\b|\bget\s+in\s+touch\s+with\b|\bcontact\s+my\s+colleague|"
    r"\b(?:in|for)\s+urgent\s+(?:matters|cases|issues|requests|enquiries|inquiries)|"
    r"\bif\s+(?:it\s+is|it's\s+|your\s+\w+\s+is\s+)?urgent|\bin\s+my\s+absence|"
    r"\bcovering\s+for\s+me|\bmy\s+(?:deputy|colleague)\b|"
    r"\b(?:in|for)\s+urgent\b|\burgent\s+(?:matters|requests|enquiries|inquiries)\s*:|"
    r"\bpiln\w*\s+spraw\w*|\bspraw\w*\s+piln\w*|\bw\s+pilnych\b|\bdringend\w*\s+\w*\s*:|"
    r"\bproszę\s+(?:o\s+)?kontakt\w*|"
    r"\bzastępstw\w*|\bzastępuje\s+mnie|\bzastępcą\b|\bproszę\s+pisać\s+do|"
    r"\bin\s+dringenden\s+(?:fällen|angelegenheiten)|\bwenden\s+sie\s+sich\b|"
    r"\bvertretung\b|\bvertreten\s+(?:durch|von)|\bvertritt\s+mich|\bkontaktieren\s+sie\b|"
    r"\bmeine\s+kolleg(?:in|en)\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d[\d \t().\-/]{5,}\d(?![\w])")
_MIN_PHONE_DIGITS = 7
# E.164 numbers have at most 15 digits; a longer run of digits is something else.
_MAX_PHONE_DIGITS = 15
# What an event's contact details hold (`workflows.events.ContactDetails`).
_MAX_NAME_CHARS = 200
_UPPER = "A-ZĄĆĘŁŃÓŚŹŻÄÖÜ"
_LOWER = "a-ząćęłńóśźżäöüßéè"
_NAME_WORD = rf"[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?"
_NAME_WORD_RE = re.compile(rf"(?<![\w@.]){_NAME_WORD}(?![\w@])")
_MAX_NAME_WORDS = 3
_ASCII = str.maketrans("ąćęłńóśźżäöüß", "acelnoszzaous")
# Capitalised words that introduce a name or are no name at all (German nouns, politeness).
_NOT_NAMES = frozenset(
    {"sie", "ihnen", "bitte", "frau", "herr", "herrn", "kollegin", "kollegen", "kollege"}
    | {"vertretung", "dringenden", "fällen", "e-mail", "email", "mail", "tel", "telefon", "phone"}
    | {"mobile", "mobil", "handy", "kom", "mr", "mrs", "ms", "dr", "pan", "pani", "panią", "panem"}
    | {"please", "proszę", "in", "for", "the", "my", "our", "w", "we", "team", "office", "sales"}
    | {"support", "dział", "biuro", "abteilung", "kundenservice", "customer", "service", "mój"}
    | {"moja", "mojej", "moją", "mojego", "kolegą", "koleżanką", "zastępstwo", "zastępstwa"}
    | {"urgent", "matters", "pilnych", "sprawach", "unter", "an", "at", "or", "oder", "lub"}
    | {"colleague", "deputy", "thank", "thanks", "dziękuję", "danke", "vielen", "dank", "hello"}
    | {"hallo", "dzień", "dobry", "guten", "tag", "am", "ab", "bis", "do", "od", "i", "und"}
)
_SELF = re.compile(r"\s*(?:me|mnie|mich|ze\s+mną|mit\s+mir)\b", re.IGNORECASE)
# How far after the trigger words the contact's details may be, and the name itself.
_WINDOW = 300
_NAME_REACH = 80


def alternate_contact(text: str, *, sender: str | None) -> AlternateContact | None:
    for trigger in _TRIGGER.finditer(text):
        window = _window(text, trigger.end())
        if _SELF.match(window):
            continue  # "please call me at …" gives the sender's own number
        contact = _contact_in(window, sender)
        if contact is not None:
            return contact
    return None


def _window(text: str, start: int) -> str:
    window = text[start : start + _WINDOW]
    paragraph_end = window.find("\n\n")
    # A blank line may separate the trigger from an address block, but not two paragraphs on.
    if paragraph_end != -1:
        second = window.find("\n\n", paragraph_end + 2)
        if second != -1:
            window = window[:second]
    return window


def _contact_in(window: str, sender: str | None) -> AlternateContact | None:
    email_match = next(
        (m for m in _EMAIL.finditer(window) if m.group(0).lower() != (sender or "").lower()),
        None,
    )
    email = email_match.group(0).lower() if email_match else None
    phone = _phone(window)
    name = _name_before(window, email_match.start(), email or "") if email_match else None
    name = name or _name_at_start(window, email)
    if name is not None and len(name) > _MAX_NAME_CHARS:
        name = None  # three "words" that long are no one's name
    if email is None and phone is None and name is None:
        return None
    return AlternateContact(name, email, phone)


def _phone(window: str) -> str | None:
    for match in _PHONE.finditer(window):
        candidate = match.group(0).strip()
        digits = re.sub(r"\D", "", candidate)
        # Dates such as 15.09.2026 have digits too, but never this many without a plus.
        if not _MIN_PHONE_DIGITS <= len(digits) <= _MAX_PHONE_DIGITS:
            continue
        if not re.fullmatch(r"[\d.]+", candidate):
            return candidate
    return None


def _name_before(window: str, email_start: int, email: str) -> str | None:
    """A name written just before the address: "Anna Kowalska (anna@…)", "Anna <anna@…>"."""
    line_start = window.rfind("\n", 0, email_start) + 1
    before = window[line_start:email_start]
    runs = _name_runs(before)
    if not runs:
        return None
    words, end = runs[-1]
    # A single word is a name only right next to the address ("Anna <anna@…>").
    if len(words) == 1 and before[end:].strip(" \t(<[,:-"):
        return None
    return _nominative(words, email)


def _name_at_start(window: str, email: str | None) -> str | None:
    """A name right after the trigger words: "please contact Anna Kowalska", "Vertretung: …".

    Only before the first address or blank line: a name after them is the signature's.
    """
    head = window[:_NAME_REACH]
    for end in (_EMAIL.search(head), re.search(r"\n\s*\n", head)):
        if end is not None:
            head = head[: end.start()]
    for words, _ in _name_runs(head):
        if len(words) >= 2:
            return _nominative(words, email)
    return None


def _name_runs(text: str) -> list[tuple[list[str], int]]:
    """Runs of capitalised words that may be a name, with the offset where each run ends."""
    runs: list[tuple[list[str], int]] = []
    words: list[str] = []
    end = 0
    for match in _NAME_WORD_RE.finditer(text):
        word = match.group(0)
        adjacent = words and not text[end : match.start()].strip(" \t")
        if word.lower() in _NOT_NAMES or (words and not adjacent) or len(words) == _MAX_NAME_WORDS:
            if words:
                runs.append((words, end))
            words = []
        if word.lower() not in _NOT_NAMES:
            words.append(word)
            end = match.end()
    if words:
        runs.append((words, end))
    return runs


def _nominative(words: list[str], email: str | None) -> str:
    """The name as it would be written alone: Polish puts it in the instrumental after "z".

    Feminine forms end in -ą only when declined ("z Anną Kowalską"). Masculine endings are
    irregular, so they are undone only where the address spells the plain form
    ("z Piotrem Nowakiem", piotr.nowak@…).
    """
    local_parts = re.split(r"[._-]", email.split("@", 1)[0].lower()) if email else []
    plain = []
    for word in words:
        word = word[:-1] + "a" if word.endswith("ą") else word
        prefix = next((p for p in local_parts if len(p) > 2 and _fold(word).startswith(p)), None)
        plain.append(word[: len(prefix)] if prefix and len(word) - len(prefix) <= 3 else word)
    return " ".join(plain)


def _fold(word: str) -> str:
    return word.lower().translate(_ASCII)
