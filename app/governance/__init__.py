"""What a key or user may do and spend: scopes, expiry, model and provider allowlists, budgets per period.

Below auth and the generation pipeline, which check a request with these rules; the spend reports and
their routes sit in ``app/spend``.
"""
