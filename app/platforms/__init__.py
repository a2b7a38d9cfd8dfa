"""Adapters for the sign-in providers of the mini-programs: WeChat (微信) and Alipay (支付宝).

Each adapter takes a typed config (base URL included, so tests point it at a local server)
and an ``httpx.AsyncClient`` owned by the caller, and raises only domain errors.
"""
