"""Notifications to an agency: a record of what was sent to whom, and an outbox for email."""
