"""Where requests come from (country of each request, for the geographic analytics).

``country_for(ip)`` reads an optional GeoLite2/GeoIP2 Country database
(``GEOIP_DATABASE_PATH``, read with the ``geoip2`` library from the ``geo``
extra). Without the setting, the file or the library it answers None and
nothing fails: the ``country`` columns simply stay empty.
"""

import functools
import ipaddress
import logging
import os

from flask import current_app, has_app_context

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=4)
def _reader(path, mtime):
    try:
        import geoip2.database
    except ImportError:
        log.warning("GEOIP_DATABASE_PATH is set but geoip2 is not installed (pip install 'imprint[geo]')")
        return None
    try:
        return geoip2.database.Reader(path)
    except Exception:  # a corrupt or unreadable file must not break a request
        log.exception("cannot open the GeoIP database %s", path)
        return None


def reader_for(path):
    """The open database at ``path`` (reopened when the file changes), or None."""
    if not path:
        return None
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        return None
    return _reader(path, mtime)


def country_for(ip, path=None):
    """ISO 3166 two-letter country of ``ip``, or None (no database, private or unknown address)."""
    if path is None and has_app_context():
        path = current_app.config.get("GEOIP_DATABASE_PATH")
    reader = reader_for(path)
    if reader is None or not ip:
        return None
    try:
        address = ipaddress.ip_address(str(ip).strip())
    except ValueError:
        return None
    if address.is_private or address.is_loopback:
        return None
    try:
        return reader.country(str(address)).country.iso_code
    except Exception:  # AddressNotFoundError and friends: unknown, not an error
        return None
