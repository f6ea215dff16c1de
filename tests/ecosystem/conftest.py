"""The ecosystem suites run pytest on a user's files as the framework tests do."""

from ..framework.conftest import project

__all__ = ["project"]
