"""Sessions in the database, as Django keeps them, refusing keys Django could not have made.

A cookie can carry anything: Python's cookie parser even turns a quoted "\\000" into a NUL,
which PostgreSQL cannot compare, so `sessionid="\\000aaaaaaaa"` was a 500 on every page. A key
of anything but the letters and digits Django's keys are made of is no key: the visitor is
simply not signed in.
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key):
        return super()._validate_session_key(key) and key.isascii() and key.isalnum()
