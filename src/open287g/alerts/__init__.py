"""Alerts: subscriptions to the record's events (by webhook or e-mail digest), kept in a companion store
beside the warehouse so they survive every rebuild, and delivered exactly once per event."""
