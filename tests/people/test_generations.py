"""Kept reads (people/generations.py): taken while their generations stand, read again after
a write renews one, never taken when they were read across a write, and read every time
while the cache is down."""

import socket

import pytest

from people.generations import generation_renew, kept


@pytest.fixture
def cache_on(settings):
    settings.READ_CACHE_SECONDS = 600
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "gen"}
    }


def _reader(values):
    reads = []

    def read():
        reads.append(1)
        return values[0]

    return read, reads


def test_a_kept_read_stands_until_its_generation_is_renewed(db, cache_on, django_capture_on_commit_callbacks):
    values = ["first"]
    read, reads = _reader(values)
    assert kept("k", ["goals"], read) == "first"
    values[0] = "second"
    assert kept("k", ["goals"], read) == "first" and len(reads) == 1
    # Another kind of data changing leaves it be; its own kind renews it once committed.
    with django_capture_on_commit_callbacks(execute=True):
        generation_renew("guidelines")
    assert kept("k", ["goals"], read) == "first"
    with django_capture_on_commit_callbacks(execute=False):
        generation_renew("goals")
    assert kept("k", ["goals"], read) == "first"  # not before the write commits
    with django_capture_on_commit_callbacks(execute=True):
        generation_renew("goals")
    assert kept("k", ["goals"], read) == "second" and len(reads) == 2


def test_a_read_made_across_a_write_is_not_taken_afterwards(db, cache_on, django_capture_on_commit_callbacks):
    values = ["old"]

    def read_while_a_write_commits():
        # The write commits (and renews the generation) after this read saw the old data.
        with django_capture_on_commit_callbacks(execute=True):
            generation_renew("history")
        return values[0]

    assert kept("k", ["history"], read_while_a_write_commits) == "old"
    values[0] = "new"
    assert kept("k", ["history"], lambda: values[0]) == "new"


def test_nothing_is_kept_while_the_cache_is_down(db, settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.READ_CACHE_SECONDS = 600
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.TolerantRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    values = ["first"]
    read, reads = _reader(values)
    assert kept("k", ["goals"], read) == "first"
    values[0] = "second"
    assert kept("k", ["goals"], read) == "second" and len(reads) == 2
