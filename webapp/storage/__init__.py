"""SQLite storage through sqlite-utils: connections, write transactions and migrations."""
from .db import Store, open_store

__all__ = ["Store", "open_store"]
