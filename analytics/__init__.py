"""Funnel, content and hand-off reports: pure computations over the database projections."""
