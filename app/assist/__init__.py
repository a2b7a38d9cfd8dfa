"""Assisted service (帮代办 / 上门办): authorizations, home visits, acting for residents."""
