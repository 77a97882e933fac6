"""The SQL statements peewee runs inside `with Statements() as s:` (`s.seen`, each as peewee
logs it), for the in-process profilers; the logger is put back as it was."""

from __future__ import annotations

import logging


class Statements(logging.Handler):
    """Collects peewee's statements while installed as a context manager."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.seen: list[str] = []

    def emit(self, record):
        self.seen.append(record.getMessage())

    def __enter__(self):
        logger = logging.getLogger("peewee")
        self._level = logger.level
        logger.addHandler(self)
        logger.setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc):
        logger = logging.getLogger("peewee")
        logger.removeHandler(self)
        logger.setLevel(self._level)
