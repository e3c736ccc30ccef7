"""Bounds on rendering one marketer template: how long it may take and how much it may write.

The sandbox stops templates from reaching Python's internals, but not from looping: three nested
`range(100000)` loops are legal Jinja and would hold a worker's event loop for days, and a loop
can write gigabytes. So a render runs under a deadline, checked on every line the compiled
template executes (a trace function on this thread only, removed afterwards), and its output is
collected chunk by chunk and cut off past a size. Both surface as a `TemplateError`, which
validation reports at publish time and the send activity treats as permanent; so does any other
error the template raises while it runs (`1 / 0`, a range the sandbox refuses), which would
otherwise crash validation, or fail a send and have it retried for ever.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from types import FrameType
from typing import Any

from jinja2 import Template, TemplateError

# An e-mail renders in a few milliseconds; a template needing more is looping.
RENDER_SECONDS = 0.5
# Far above any real e-mail (Gmail clips a message over about 100 kB).
MAX_OUTPUT_CHARS = 500_000


class RenderLimitExceeded(TemplateError):
    """A template ran too long or wrote too much."""


class RenderFailed(TemplateError):
    """The template raised an error of Python's own while it ran."""


def bounded_render(
    template: Template,
    context: dict[str, Any],
    *,
    seconds: float = RENDER_SECONDS,
    max_chars: int = MAX_OUTPUT_CHARS,
) -> str:
    deadline = time.monotonic() + seconds

    def on_deadline(frame: FrameType, event: str, arg: object) -> Any:
        if time.monotonic() > deadline:
            raise RenderLimitExceeded(f"the template took longer than {seconds:g} s to render")
        return on_deadline

    previous = sys.gettrace()
    sys.settrace(on_deadline)
    try:
        return _collect(template.generate(context), max_chars)
    except TemplateError:
        raise
    except Exception as error:  # the template's own fault, whatever Python called it
        raise RenderFailed(f"the template failed: {type(error).__name__}: {error}") from error
    finally:
        sys.settrace(previous)


def _collect(chunks: Iterator[str], max_chars: int) -> str:
    parts: list[str] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > max_chars:
            raise RenderLimitExceeded(f"the template wrote more than {max_chars:,} characters")
        parts.append(chunk)
    return "".join(parts)
