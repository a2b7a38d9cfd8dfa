"""The bounded load run (``make load``): a realistic mix against a real server on loopback.

``python -m load`` prepares a served app (migrated, demo data), signs the demo residents in
through the real SMS form, runs locust headless with ``load/locustfile.py``, then checks what
the run left behind (one application per submission, the notice outbox drained) and prints a
report. See docs/PERFORMANCE.md.
"""
