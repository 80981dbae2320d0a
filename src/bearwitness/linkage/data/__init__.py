"""Data tables for linkage (TOML); each file names its sources."""
