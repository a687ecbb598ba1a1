"""gunicorn's logger with an access line whose parts are fields (``logger_class`` in gunicorn.conf.py).

The message stays the configured ``access_log_format`` line; the method, path,
status, duration and the request's correlation go alongside as fields, which
the JSON formatter writes and the text formatter leaves out.
"""

from gunicorn import glogging

from . import ENVIRON_KEY


class Logger(glogging.Logger):
    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        atoms = self.atoms_wrapper_class(self.atoms(resp, req, environ, request_time))
        correlation = environ.get(ENVIRON_KEY)
        fields = {
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("RAW_URI") or environ.get("PATH_INFO"),
            "status": resp.status_code,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 3),
            "remote_addr": environ.get("REMOTE_ADDR"),
            **(correlation.log_fields() if correlation is not None else {}),
        }
        try:
            self.access_log.info(self.cfg.access_log_format, atoms, extra=fields)
        except Exception:
            self.exception("access log line failed")
