"""Notices: the in-app inbox, the transactional outbox of deliveries, and live progress."""
