"""The optional Redis connection, with explicit timeouts on every call."""

from functools import lru_cache

from flask import current_app


@lru_cache(maxsize=8)
def _connect(url, connect_timeout, socket_timeout):
    import redis

    return redis.Redis.from_url(
        url,
        socket_connect_timeout=connect_timeout,
        socket_timeout=socket_timeout,
        health_check_interval=30,
    )


def get_redis(app=None):
    """The app's Redis client, or None when ``REDIS_URL`` is not set."""
    config = (app or current_app).config
    url = config.get("REDIS_URL")
    if not url:
        return None
    return _connect(url, config["REDIS_CONNECT_TIMEOUT"], config["REDIS_SOCKET_TIMEOUT"])
