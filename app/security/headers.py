"""Security headers on every response; SVG is sandboxed so a crafted one cannot run script."""

PAGE_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def init_security_headers(app):
    @app.after_request
    def add_security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Cross-Origin-Resource-Policy", "cross-origin")
        mimetype = response.mimetype or ""
        if mimetype == "image/svg+xml":
            # Opened directly, an SVG is a document: no script, no plugins, no same origin.
            headers["Content-Security-Policy"] = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
        elif mimetype == "text/html":
            headers.setdefault("Content-Security-Policy", PAGE_CSP)
        else:
            headers.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
        return response
