"""Reads kept in the shared cache until what they were read from changes.

Each kind of data that a kept read depends on has a generation: a random token in the
cache, renewed when the app writes that data. A kept read is stored with the generations
it was read under, and is taken only while they are still current. Renewing rather than
deleting the kept copies means nobody has to know which copies exist, and a page that read
before a write committed and stores its copy afterwards stores it under the old
generation, which the next page does not take.

Writes outside the app (the admin, a database console) renew nothing: every kept read also
expires after READ_CACHE_SECONDS. While Redis is down nothing is kept and every read is
made afresh.
"""

import uuid
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")

# Longer than any kept read: a generation that expired would only cost one read afresh.
GENERATION_SECONDS = 24 * 3600


def _key(name: str) -> str:
    return f"generation:v1:{name}"


def generation_renew(name: str) -> None:
    """The data called name changed: once the transaction commits, no kept read of it is taken."""
    transaction.on_commit(lambda: cache.set(_key(name), uuid.uuid4().hex, GENERATION_SECONDS))


# What a person's home page reads of their talks (as either party) and reporting line:
# renewed for the people a write touches, and for everyone by the writes that touch many at
# once (a cycle launched or closed, an import).
HOMES = "homes"


def home_generation(user_id: int) -> str:
    return f"home:{user_id}"


def homes_renew(*user_ids: int | None) -> None:
    """The talks or reporting lines of these people changed (None is skipped): after the
    transaction commits, their home pages read afresh. One cache write however many people."""
    names = [home_generation(pk) for pk in sorted({pk for pk in user_ids if pk})]
    if names:
        transaction.on_commit(
            lambda: cache.set_many({_key(name): uuid.uuid4().hex for name in names}, GENERATION_SECONDS)
        )


def homes_renew_all() -> None:
    """Many people's talks or lines changed at once (a cycle launched, an import)."""
    generation_renew(HOMES)


def kept(
    key: str, depends_on: list[str], read: Callable[[], T], *, fresh: Callable[[T], bool] | None = None
) -> T:
    """read(), kept under key while the generations it depends on stay current.

    fresh, where given, says whether a copy still holds for another reason than a write
    (a moment it was read for has passed). One round trip to the cache when the copy is
    current (the generations and the copy together); a read and a write when it is not.
    """
    seconds = settings.READ_CACHE_SECONDS
    if not seconds:
        return read()
    names = [_key(name) for name in depends_on]
    found = cache.get_many([*names, key])
    current = []
    for name in names:
        token = found.get(name)
        if token is None and not cache.add(name, token := uuid.uuid4().hex, GENERATION_SECONDS):
            token = cache.get(name)  # another page set it first
        if token is None:
            return read()  # Redis is down: nothing can be kept
        current.append(token)
    copy = found.get(key)
    if copy is not None and copy[0] == current and (fresh is None or fresh(copy[1])):
        return copy[1]
    value = read()
    cache.set(key, (current, value), seconds)
    return value
