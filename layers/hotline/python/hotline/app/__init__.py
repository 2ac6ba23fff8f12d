"""The application tier (issue 16): one use case per module, between the handlers and the domain.

A handler routes, parses and calls `app.<use case>.<function>(deps, command)`, then shapes the
answer; a use case reads and writes through the ports of `ports.py` only (adapters/ and dal/
implement them, `hotline.wiring` builds them), and the rules are the domain's.
"""
