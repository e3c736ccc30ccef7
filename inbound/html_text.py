"""HTML bodies as plain text, keeping what the classifier relies on: lines and quoting.

Block elements become line breaks so sentences do not run together, and the content of a
`<blockquote>` (how webmail quotes the earlier message) gets "> " prefixes, so the quote
stripper treats it exactly like a quoted plain-text reply.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = frozenset(
    {"p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "hr"}
    | {"blockquote", "pre", "section", "article", "header", "footer", "address", "dd", "dt"}
)
# Ends of these leave a blank line, as a paragraph break does in plain text.
_PARAGRAPHS = frozenset({"p", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"})
_INVISIBLE = frozenset({"script", "style", "head", "title", "template"})
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_RUNS = re.compile(r"\n{3,}")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._current: list[str] = []
        self._quote_depth = 0
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE:
            self._hidden_depth += 1
        elif tag in _BLOCKS:
            self._break()
        if tag == "blockquote":
            self._quote_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag in _BLOCKS:
            self._break()
        if tag in _PARAGRAPHS and not self._quote_depth and self.lines and self.lines[-1]:
            self.lines.append("")
        if tag == "blockquote":
            self._quote_depth = max(0, self._quote_depth - 1)

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self._current.append(data)

    def finish(self) -> str:
        self._break()
        return _BLANK_RUNS.sub("\n\n", "\n".join(self.lines)).strip()

    def _break(self) -> None:
        line = _SPACES.sub(" ", "".join(self._current).replace("\n", " ")).strip()
        self._current = []
        if line:
            self.lines.append("> " * self._quote_depth + line)


def html_to_text(html: str) -> str:
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return collector.finish()
