"""The project's settings plus one trivial view, for bench/load.py's ceiling."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
