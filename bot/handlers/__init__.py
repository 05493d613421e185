"""One module per feature; each exposes thin async handlers and its user-visible texts."""
