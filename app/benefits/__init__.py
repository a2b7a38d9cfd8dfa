"""Proactive benefits (免申即享): rules in the catalog, checks by a periodic job, offers."""
