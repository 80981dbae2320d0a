"""Use cases: the one layer that combines the store, crypto and the transparency log.

The CLI and the web app call these and nothing below them.
"""
