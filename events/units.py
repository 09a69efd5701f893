"""Unit tree events (filled in by the units slice)."""
