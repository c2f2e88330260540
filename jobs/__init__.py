"""Background jobs (RQ). Jobs take ids, never objects, and re-load their rows."""
