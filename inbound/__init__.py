"""Inbound e-mail: classify what prospects send back (replies, autoreplies, bounces)."""
