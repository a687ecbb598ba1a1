"""Who spent what: attribution of the ledger rows, spend reports, budgets per key and per user."""
