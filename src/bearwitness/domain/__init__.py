"""The domain: records, vocabularies, partial dates and qualified counts.

Pure values and rules, standard library only: no I/O, no keys, no database.
"""

from bearwitness.domain.counts import QualifiedCount, Qualifier
from bearwitness.domain.dates import PartialDate, PartialDateRange

__all__ = ["PartialDate", "PartialDateRange", "QualifiedCount", "Qualifier"]
