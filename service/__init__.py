"""Doorstroom: the HTTP service, persistence and access control around the pure `matching` library."""
