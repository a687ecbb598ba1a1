"""URL rules that write their URL-building code on first use.

Werkzeug compiles two Python functions for every rule as it is added, to build its URLs. An app
registers every rule of every feature and builds URLs for few of them, and a process builds
apps often (each gunicorn worker, each ``flask`` command, each test): the functions are
compiled the first time ``url_for`` needs them instead.
"""

from werkzeug.routing import Rule


class LazyBuildRule(Rule):
    def _compile_builder(self, append_unknown=True):
        compiled = None

        def build(rule, *args, **kwargs):
            nonlocal compiled
            if compiled is None:
                compiled = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            return compiled(*args, **kwargs)

        return build
