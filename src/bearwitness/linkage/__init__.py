"""Linking records of the same person across lists.

    normalise   names, dates, ages, places, act types to comparable keys
    features    records as lists wrote them to the features linkage compares
    model       Splink comparisons and blocking rules
    engine      DuckDB (default) and Spark backends that write no plaintext to disk
    options     run settings and strata names (no heavy imports)
    linker      training (EM, no labels), scoring pairs, review decisions, clustering
    clusters    clustering that does not chain people with common names
    review      queue of uncertain pairs, decisions, split and merge by hand
    counting    persons, capture histories, frames for bearwitness.estimate
    listfiles   CSV lists and their columns file
    synthetic   seeded FICTIONAL multi-list data with a known truth
    scoring     pairwise and B-cubed quality against a truth

Linkage takes data in and returns data: no database, no keys.
"""
