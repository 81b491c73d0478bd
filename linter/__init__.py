"""easlint: a policy linter for the network edge in front of Microsoft Exchange."""

__version__ = "0.1.0"
