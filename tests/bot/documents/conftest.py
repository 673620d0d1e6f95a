"""The documents are rendered from the closing-year world of the commendation service tests."""

from tests.bot.services.test_commendations import world  # noqa: F401 (a fixture)
