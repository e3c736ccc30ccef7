"""Who may use what: each group of routes and the roles whose keys may call it.

An admin key may use every group. `api/app.py` includes each router with its group's
dependencies (`include_router(journeys.router, dependencies=access.MARKETING)`), so a router
never checks roles itself; the UI's page families use `UI_SECTIONS` the same way
(`api/ui/__init__.py`). A router included without a group is public: only the routes whose
requests carry their own proof (signed link tokens) or must answer anyone (probes, metrics,
the OpenAPI document) are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from fastapi import Depends
from fastapi.params import Depends as Dependency

from api.auth import INTEGRATION_ROLES, Principal, integration_access, requires
from nurture.api_keys import Role

# Role groups of the HTTP API (admin keys may use all of them).
GROUP_ROLES: Final[Mapping[str, tuple[Role, ...]]] = {
    # Journeys (read, validate, publish, simulate, migrate), prospects (read, timeline,
    # export), reports, the sending policy.
    "marketing": ("marketer",),
    # Enrolments: marketers, and the CRM or website that enrols people.
    "enrolling": ("marketer", "integration"),
    # Events and inbound e-mail, from other systems (`auth.integration_access`).
    "ingestion": INTEGRATION_ROLES,
    # Tasks: a salesperson sees and acts on their own, a manager on all.
    "sales": ("sales",),
    # API keys.
    "keys": (),
}

PUBLIC: Final[list[Dependency]] = []
MARKETING: Final = [Depends(requires(*GROUP_ROLES["marketing"]))]
ENROLLING: Final = [Depends(requires(*GROUP_ROLES["enrolling"]))]
# One function, so webhook signatures can be added in one place (see its docstring).
INGESTION: Final = [Depends(integration_access)]
SALES: Final = [Depends(requires(*GROUP_ROLES["sales"]))]
ADMIN: Final = [Depends(requires(*GROUP_ROLES["keys"]))]

# The web UI's page families, by the nav key each page sets.
UI_SECTIONS: Final[Mapping[str, tuple[Role, ...]]] = {
    "journeys": ("marketer",),  # journeys, their maps, publishing
    "prospects": ("marketer",),
    "reports": ("marketer",),
    "inbox": ("sales",),
}
# Roles that may log in to the web UI at all: an integration key has no page to see.
UI_ROLES: Final[tuple[Role, ...]] = ("admin", "marketer", "sales")


def ui_sections(principal: Principal) -> list[str]:
    """The UI sections `principal` may open, in the nav's order."""
    return [section for section, roles in UI_SECTIONS.items() if principal.has_role(roles)]


def ui_home(principal: Principal) -> str:
    """Where a login lands: the first section the key may open."""
    sections = ui_sections(principal)
    return "/ui/inbox" if sections == ["inbox"] else "/ui/"
