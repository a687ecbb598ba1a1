"""Keys never reach the logs: a filter that masks them wherever they appear."""

import logging
import re

SECRET = re.compile(r"(imp_[A-Za-z0-9_\-]{4})[A-Za-z0-9_\-]+|(Bearer\s+)\S+|(Authorization['\"]?\s*[:=]\s*['\"]?)[^'\",\s]+", re.I)


def redact(text):
    return SECRET.sub(lambda m: (m.group(1) or m.group(2) or m.group(3)) + "[redacted]", text)


class RedactSecrets(logging.Filter):
    def filter(self, record):
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True

