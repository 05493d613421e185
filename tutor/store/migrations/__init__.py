"""Alembic's migration environment and revisions; run them through ``tutor.store.schema``."""
