"""The audit log (审计日志): security events and actions on someone's behalf, hash-chained.

``app.audit.chain`` computes the hashes, ``app.audit.service`` appends, verifies and purges,
``app.composition.audit_mirror`` copies the security log and the on-behalf records into the
chain, and
``app.commands.audit`` is ``python -m app audit verify|purge``. docs/SECURITY.md explains it.
"""
