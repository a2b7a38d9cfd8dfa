"""Shared-record sources (共享数据源): population, and later others, each behind one protocol.

Every source has a protocol, an HTTP implementation speaking a small documented JSON protocol
at a configurable base URL, and an embedded demo default that production refuses.
"""
