"""Differential tests against the real HAProxy binary running on loopback (marker `live`)."""
