"""The page channels, one router each: resident, staff, field (tablet), public and ops.

Channels never import each other (``lint-imports``); what two of them share is in
``app.routes.shared`` or ``app.web``.
"""
