"""Drift: synced meetings changed or cancelled outside the calendar (in the provider's own
app or console), found within a share of the quota, and reported or restored."""
