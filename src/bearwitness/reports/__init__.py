"""Reports: a spec, the tables it counts, disclosure control, and rendering (HTML, CSV, SVG).

Pure computation: records in, tables and text out; no database, no keys, no log.
``services/reporting.py`` reads the archive as it stood at a signed checkpoint,
hands the records here, checks the outputs for sealed values, and signs and logs
the manifest.

- :mod:`~bearwitness.reports.spec`: :class:`ReportSpec`, :func:`parse_spec` (TOML).
- :mod:`~bearwitness.reports.tables`: :class:`Table`, :func:`count_tables` (coarsened).
- :mod:`~bearwitness.reports.disclosure`: :class:`Settings`, :func:`suppress`,
  :func:`audit` (the bounds an attacker gets by linear programming).
- :mod:`~bearwitness.reports.figures`: every figure of a report with its id and values.
- :mod:`~bearwitness.reports.render`: the self-contained HTML and the CSVs.
- :mod:`~bearwitness.reports.charts`: bar charts as inline SVG.
- :mod:`~bearwitness.reports.i18n`: the reports' English and Russian text.
"""
