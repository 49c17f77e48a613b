"""Storage: async engines and sessions for SQLite (embedded default) and PostgreSQL, and schema migrations."""

from shared.storage.engine import create_engine, database_url, is_postgresql, reachable, session_factory
from shared.storage.migrations import migrate

__all__ = ["create_engine", "database_url", "is_postgresql", "migrate", "reachable", "session_factory"]
