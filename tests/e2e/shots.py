"""Screenshots of the pages under test, for people to look at: `build/screenshots/<test>.png`."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page

SCREENSHOTS = Path(__file__).parents[2] / "build" / "screenshots"


async def screenshot(page: Page, request: pytest.FixtureRequest, step: str = "") -> Path:
    """A full-page screenshot named after the test (and the step, when a test takes several)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = request.node.name + (f"-{step}" if step else "")
    path = SCREENSHOTS / f"{name}.png"
    # From the top, so the sticky header is drawn where it belongs.
    await page.evaluate("window.scrollTo(0, 0)")
    await page.screenshot(path=str(path), full_page=True)
    return path
