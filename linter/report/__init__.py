"""Output formats for a `linter.engine.Report`."""
