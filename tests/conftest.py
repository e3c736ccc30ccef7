"""Fixtures live in tests/fixtures/, one module per real dependency."""

pytest_plugins = [
    "tests.fixtures.temporal",
    "tests.fixtures.database",
    "tests.fixtures.smtp",
    "tests.fixtures.environment",
    "tests.integration.journey_driver",
    "tests.integration.api_driver",
]
