"""Cross-cutting pieces with no domain knowledge."""
