"""Helpers shared by the test tiers: real servers (Voila, JupyterHub, PostgreSQL), the browser, fixtures."""
