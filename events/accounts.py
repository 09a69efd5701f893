"""Account and role events (filled in by the access slice)."""
