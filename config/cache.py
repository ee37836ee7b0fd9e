"""Redis as a cache the site can live without.

Everything kept in the cache (HR's dashboard figures, the menu's facts, rendered empty
forms) can be computed again. While Redis is down a read is a miss and a write is
skipped, so pages are computed afresh instead of failing; bench/faults.py stops Redis
under a running site and checks that every page still answers.
"""

import functools
import logging

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)


def _tolerant(method, fallback):
    """The cache method, answering fallback(*its arguments) while Redis cannot be reached."""

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except UNAVAILABLE as exc:
            log.warning("Cache unavailable, computing afresh: %s", exc)
            return fallback(*args, **kwargs)

    return call


def _nothing(*args, **kwargs):
    return None


def _false(*args, **kwargs):
    return False


class _ReusingClient(RedisCacheClient):
    """Django's client, keeping one redis.Redis per connection pool.

    Django builds a new redis.Redis for every cache call, which copies redis-py's table of
    some two hundred response callbacks each time: a menu's one cache read cost more in
    that than in the round trip. A redis.Redis is safe to share (it takes a connection from
    its pool per command).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class TolerantRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusingClient

    get = _tolerant(RedisCache.get, lambda key, default=None, version=None: default)
    get_many = _tolerant(RedisCache.get_many, lambda *args, **kwargs: {})
    has_key = _tolerant(RedisCache.has_key, _false)
    add = _tolerant(RedisCache.add, _false)
    # The API's rate count (people/api_auth.py): None while Redis is down, and the call goes on.
    incr = _tolerant(RedisCache.incr, _nothing)
    set = _tolerant(RedisCache.set, _nothing)
    # set_many answers the keys it could not store: all of them.
    set_many = _tolerant(RedisCache.set_many, lambda data, *args, **kwargs: list(data))
    touch = _tolerant(RedisCache.touch, _false)
    delete = _tolerant(RedisCache.delete, _false)
    delete_many = _tolerant(RedisCache.delete_many, _nothing)
