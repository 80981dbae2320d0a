"""Intake: reading submissions and import files, and the sealed inbox of a locked archive."""
