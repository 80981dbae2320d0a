"""Claims from public reporting: who said how many people suffered which act, where and when.

Pure computation: text in, candidate claims out (no database, keys or log; an
import-linter contract keeps it so). The pieces, in the order a document meets them:

- :mod:`.text`: the text of a plain-text, HTML (article body only) or PDF file, and the
  parts of it that are body rather than page furniture (bylines, timestamps, comments);
- :mod:`.language`: English or Russian;
- :mod:`.sentences`: sentences with exact character offsets (``text[start:end]``);
- :mod:`.quantities`: counts with their qualifier as low / best / high;
- :mod:`.extract`: the rule layer over spaCy (English) and natasha (Russian) that
  turns sentences into :class:`.extract.Candidate` claims;
- :mod:`.corroboration`: distinct original claimants, echoes, independent corroboration
  and the most conservative supported figure.
"""
