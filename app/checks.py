"""What one check of the setup found: ``flask doctor`` prints them; packages add checks of their own."""

from dataclasses import dataclass


@dataclass
class Finding:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    warning: bool = False
