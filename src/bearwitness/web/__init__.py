"""The web interfaces: the anonymous source intake and the team's workbench.

Two apps, split by trust: :func:`bearwitness.web.source.app.create_intake_app`
holds the archive's public key only; :func:`bearwitness.web.workbench.app.create_workbench_app`
serves authenticated staff and holds the keys in memory while unlocked. They
share templates, translations and the security middleware in this package.
"""
