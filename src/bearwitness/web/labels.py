"""What the pages call the codes the services use: roles, audit actions, estimation
methods, strata, and the text the system adds to a submission. Each is marked for the
catalogue and translated where it is shown (``rendering.environment``'s filters)."""

from __future__ import annotations

import re

from bearwitness.web.i18n import N_, translations

ROLES = {
    "documenter": N_("documenter"),
    "analyst": N_("analyst"),
    "custodian": N_("custodian"),
    "auditor": N_("auditor"),
    "admin": N_("admin"),
}
ACTIONS = {
    "login": N_("logged in"),
    "logout": N_("logged out"),
    "unlock": N_("unlocked the archive"),
    "lock": N_("locked the archive"),
    "auto_lock": N_("the archive locked itself"),
    "reveal": N_("revealed sealed fields"),
    "fold": N_("wrote the inbox in"),
    "reply": N_("replied to a source"),
    "user_add": N_("added an account"),
    "user_roles": N_("changed an account's roles"),
    "user_disable": N_("disabled an account"),
    "user_enable": N_("enabled an account"),
    "download": N_("downloaded a file"),
    "download_mismatch": N_("a download did not match its hash"),
    "preview": N_("previewed an image"),
    "triage": N_("triaged a submission"),
    "case": N_("opened or changed a case"),
    "user_factor_reset": N_("replaced a one-time-code app"),
    "user_password": N_("changed their password"),
    "boundaries": N_("uploaded the district map"),
    "consent": N_("recorded or withdrew a consent"),
    "consent_read": N_("read a person's consents"),
    "export": N_("exported a list or the archive"),
    "dossier": N_("built an evidence dossier"),
}
PERMISSIONS = {  # what each permission is for (web/workbench/auth.py: PERMISSIONS)
    "view": N_("see the lists and clear fields"),
    "write": N_("add and change records"),
    "reveal": N_("open sealed fields and files"),
    "search": N_("search"),
    "triage": N_("work on the inbox"),
    "analyse": N_("link records, estimate and report"),
    "unlock": N_("unlock the archive"),
    "log": N_("read and verify the log"),
    "users": N_("manage accounts"),
    "devices": N_("manage field devices and forms"),
    "export": N_("take sealed fields out of the archive"),
}
METHODS = {
    "lcmcr": N_("LCMCR (Bayesian latent classes)"),
    "loglinear": N_("log-linear models"),
    "dga": N_("DGA (decomposable graphical models)"),
}
STRATA = {
    "period": N_("period"),
    "place": N_("place"),
    "act_type": N_("act type"),
    "sex": N_("sex"),
}
# What the intake adds to a submission (services/intake_web.py). It is stored as written,
# in English, because services/triage.py reads "When:" and "Where:" back; a page shows it
# in the reader's language.
ADDED_TITLE = N_("Anonymous submission")
ADDED_LINES = {"When:": N_("When:"), "Where:": N_("Where:")}
_LINE = re.compile(r"^(When:|Where:) ", re.MULTILINE)


# How the server's process guards the keys (crypto/hardening.py: Protection.describe),
# phrase by phrase; a failure's details (limits, errno) are shown as the system gave them.
PROTECTION = (
    N_("all memory, now and as it grows"),
    N_("this system offers no mlockall"),
    N_("memory locked: yes"),
    N_("memory locked: no"),
    N_("core dumps off"),
    N_("core dumps ON"),
    N_("not dumpable"),
    N_("DUMPABLE"),
)


def protection(text: object, language: str) -> str:
    """The keys' protection, its known phrases in ``language``."""
    value = "" if text is None else str(text)
    catalogue = translations(language)
    for phrase in PROTECTION:  # longer phrases first where one holds another
        value = value.replace(phrase, catalogue.gettext(phrase))
    return value


def shown(table: dict[str, str], code: object, language: str) -> str:
    """``code``'s label from ``table`` in ``language``; an unknown code as it is."""
    text = str(code or "")
    return translations(language).gettext(table[text]) if text in table else text


def added(text: object, language: str) -> str:
    """A submission's text or title with what the system added in ``language``."""
    value = "" if text is None else str(text)
    if language == "en":
        return value
    catalogue = translations(language)
    if value == ADDED_TITLE:
        return catalogue.gettext(ADDED_TITLE)
    return _LINE.sub(lambda m: catalogue.gettext(ADDED_LINES[m.group(1)]) + " ", value)
