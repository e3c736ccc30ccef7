"""Reading the new text of a message for what machines write: absence notices, ticket
acknowledgements and challenge-response ("prove you are human") requests.

A person may mention a holiday too ("I'm on vacation next week, but let's talk after 15
Sept"), so an absence statement makes an autoreply only when the text does not also talk to us
the way a person does: questions, proposals, requests to call.
"""

from __future__ import annotations

import re

_ABSENCE = re.compile(
    r"\bout\s+of\s+(?:the\s+)?office\b|\bon\s+(?:annual\s+|parental\s+|maternity\s+|paternity\s+|"
    r"sick\s+|sabbatical\s+|study\s+)?leave\b|"
    r"\b(?:i\s+am|i'm|i\s+will\s+be|i'll\s+be)\s+(?:currently\s+|now\s+)?(?:away|on\s+vacation|"
    r"on\s+holidays?|travell?ing|out\s+sick|absent|unavailable|not\s+in\s+the\s+office|"
    r"on\s+a\s+business\s+trip|off\s+work|out\s+until|away\s+until)\b|"
    r"\b(?:limited|no|without)\s+access\s+to\s+(?:my\s+)?e-?mails?\b|"
    r"\b(?:upon|on|after)\s+my\s+return\b|\bwhen\s+i\s+(?:return|am\s+back|get\s+back)\b|"
    r"\bjeste?m\s+(?:obecnie\s+|aktualnie\s+|teraz\s+)?(?:na\s+urlopie|poza\s+biurem|"
    r"nieobecn[ya]|na\s+zwolnieniu|w\s+podróży|na\s+delegacji|niedostępn[ya]|na\s+l4|"
    r"na\s+urlopie\s+\w+)|\bprzebywam\s+na\s+(?:urlopie|zwolnieniu|delegacji)|"
    r"\bbędę\s+(?:nieobecn[ya]|niedostępn[ya]|poza\s+biurem|na\s+urlopie)|"
    r"\bnie\s+mam\s+dostępu\s+do\s+(?:poczty|e-?maila|skrzynki)|"
    r"\bograniczony\s+dostęp\s+do\s+(?:poczty|e-?maila)|\bpo\s+(?:moim\s+)?powrocie\b|"
    r"\bnicht\s+im\s+büro\b|\baußer\s+haus\b|\babwesend\b|\bim\s+urlaub\b|"
    r"\bnicht\s+(?:am\s+arbeitsplatz|erreichbar)\b|\bauf\s+geschäftsreise\b|"
    r"\bkeinen\s+zugriff\s+auf\s+(?:meine\s+)?e-?mails?\b|\bnach\s+meiner\s+rückkehr\b|"
    r"\beingeschränkt\s+erreichbar\b|\bin\s+elternzeit\b",
    re.IGNORECASE,
)
_ACKNOWLEDGEMENT = re.compile(
    # A ticket number near the word for ticket: "ticket #123", "zgłoszenie … pod numerem #48213".
    r"\b(?:ticket|case|request|incident|zgłoszeni\w*|anfrage|vorgang|ticketnummer)\b"
    r"[^\n.]{0,60}?(?:#|\bnr\.?|\bno\.?|\bnumber|\bnumer\w*|\bnummer|\bid)\s*:?\s*"
    r"#?[A-Z]{0,5}-?\d{3,}|"
    r"\[(?:#|ticket\s*#?)\s*[A-Z]*-?\d+\]|"
    r"\bwe\s+(?:have\s+)?received\s+your\s+(?:message|request|e-?mail|enquiry|inquiry)|"
    r"\byour\s+(?:message|request|e-?mail|enquiry|inquiry)\s+has\s+been\s+received|"
    r"\b(?:this\s+is\s+an\s+)?automated\s+(?:response|reply|confirmation)\b|"
    r"\botrzymali[śs]my\s+(?:twoją|twoja|pana|pani|państwa|panstwa)\s+(?:wiadomo[śs][ćc]|"
    r"zgłoszenie|zapytanie)|\bwiadomo[śs][ćc]\s+(?:została\s+)?wygenerowana\s+automatycznie|"
    r"\bwir\s+haben\s+ihre\s+(?:nachricht|anfrage|e-?mail)\s+erhalten|"
    r"\bihre\s+(?:nachricht|anfrage|e-?mail)\s+(?:ist\s+)?(?:bei\s+uns\s+)?eingegangen|"
    r"\bautomatisch\s+(?:generiert|erstellt)e?\b",
    re.IGNORECASE,
)
_CHALLENGE = re.compile(
    r"\b(?:verify|confirm|prove)\s+(?:that\s+)?you\s+are\s+(?:a\s+)?(?:human|real\s+person|"
    r"not\s+a\s+robot)|\bto\s+(?:be\s+added\s+to|get\s+on)\s+(?:my|the|our)\s+"
    r"(?:whitelist|approved\s+senders)|\bwhitelist\b|\banti-?spam\s+(?:verification|check|"
    r"challenge)|\bsender\s+verification\b|\bpotwierd[źz]\w*,?\s+że\s+jeste[śs]\s+człowiekiem|"
    r"\bweryfikacj\w+\s+nadawcy|"
    r"\bbestätigen\s+sie,?\s+dass\s+sie\s+(?:ein\s+mensch|kein\s+roboter)|"
    r"\babsenderbestätigung|\bspam-?schutz",
    re.IGNORECASE,
)
_CONVERSATION = re.compile(
    r"\?|\blet'?s\b|\blet\s+us\b|\bcall\s+me\b|\binterested\b|\bsounds\s+(?:good|great)\b|"
    r"\b(?:your|the)\s+(?:offer|proposal|quote|demo|pricing)\b|\bplease\s+send\b|"
    r"\b(?:could|can|would)\s+you\b|\bzadzwo[ńn]|\bzainteresowan|\bofert|\bpropozycj|"
    r"\bporozmawiajmy\b|\bspotkajmy\b|\brufen\s+sie\s+mich\s+an\b|\binteressiert\b|"
    r"\bangebot\b|\bvorschlag\b|\blassen\s+sie\s+uns\b|\btelefonieren\b|"
    # Reactions to what we wrote, and requests to be called: a person is talking to us.
    r"\binteresting\b|\bciekaw\w*|\binteressant\w*|\bproszę\s+o\s+telefon|"
    r"\bplease\s+call\b|\bbitte\s+rufen\b",
    re.IGNORECASE,
)


def absence_phrase(text: str) -> str | None:
    """The words that read as an absence notice, if the text is one."""
    match = _ABSENCE.search(text)
    if match is None or _CONVERSATION.search(text):
        return None
    return match.group(0)


def mentions_absence(text: str) -> bool:
    """Whether any absence words appear, whatever else the text says."""
    return _ABSENCE.search(text) is not None


def acknowledgement_phrase(text: str) -> str | None:
    match = _ACKNOWLEDGEMENT.search(text)
    return match.group(0) if match else None


def challenge_phrase(text: str) -> str | None:
    match = _CHALLENGE.search(text)
    return match.group(0) if match else None
