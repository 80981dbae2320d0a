"""Controlled vocabularies with English and Russian labels.

Codes are stable identifiers stored in the clear; labels are for people.
Act types follow the HURIDOCS Events Standard Formats in spirit, with the acts
documented in the Chechnya purges (seized passports, forced signatures on blank
forms, coerced disclosure of names, forced outing to relatives) named as such.
"""

from __future__ import annotations

from dataclasses import dataclass

from bearwitness.domain.messages import quoted
from bearwitness.errors import InputError, Phrase


@dataclass(frozen=True)
class Term:
    code: str
    en: str
    ru: str

    def label(self, language: str = "en") -> str:
        return self.ru if language == "ru" else self.en


@dataclass(frozen=True)
class Vocabulary:
    name: str
    terms: tuple[Term, ...]

    def __contains__(self, code: object) -> bool:
        return any(term.code == code for term in self.terms)

    def __getitem__(self, code: str) -> Term:
        for term in self.terms:
            if term.code == code:
                return term
        raise KeyError(code)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(term.code for term in self.terms)

    def check(self, code: str) -> str:
        """Return ``code`` if it belongs here; otherwise say which codes do."""
        if code not in self:
            raise InputError(
                Phrase(
                    "%(value)s is not a known %(vocabulary)s",
                    value=quoted(code),
                    vocabulary=Phrase(self.name),
                ),
                hint=Phrase("Use one of: %(codes)s.", codes=", ".join(self.codes)),
            )
        return code


ACT_TYPES = Vocabulary(
    "act type",
    (
        Term("arbitrary_detention", "arbitrary detention", "произвольное задержание"),
        Term("torture", "torture", "пытки"),
        Term("ill_treatment", "cruel or degrading treatment", "жестокое или унижающее обращение"),
        Term("killing", "killing", "убийство"),
        Term("death_in_custody", "death in custody", "смерть под стражей"),
        Term("enforced_disappearance", "enforced disappearance", "насильственное исчезновение"),
        Term(
            "seizure_of_documents",
            "seizure of identity documents",
            "изъятие документов, удостоверяющих личность",
        ),
        Term(
            "forced_signature",
            "forced signature of blank documents",
            "принуждение к подписи пустых бланков",
        ),
        Term("threats_to_relatives", "threats to relatives", "угрозы родственникам"),
        Term("coerced_disclosure", "coerced disclosure of names", "принуждение к раскрытию имён"),
        Term(
            "obstruction_of_justice",
            "obstruction of access to justice",
            "воспрепятствование доступу к правосудию",
        ),
        Term(
            "restriction_of_movement", "restriction of movement", "ограничение свободы передвижения"
        ),
        Term("extortion", "extortion", "вымогательство"),
        Term("forced_outing", "forced outing", "принудительный аутинг"),
    ),
)

CONSEQUENCES = Vocabulary(
    "consequence",
    (
        Term("released", "released", "освобождён"),
        Term("missing", "missing", "пропал без вести"),
        Term("died", "died", "погиб"),
        Term("injured", "injured", "ранен"),
        Term("fled", "fled", "бежал"),
        Term("evacuated", "evacuated", "эвакуирован"),
        Term("unknown", "unknown", "неизвестно"),
    ),
)

INVOLVEMENT = Vocabulary(
    "perpetrator involvement",
    (
        Term("direct", "direct perpetration", "непосредственное исполнение"),
        Term("ordered", "ordered", "отдал приказ"),
        Term("complicit", "complicity", "соучастие"),
        Term("failed_to_act", "failure to act", "бездействие"),
        Term("unknown", "unknown", "неизвестно"),
    ),
)

# The Admiralty code's source reliability scale.
RELIABILITY = Vocabulary(
    "source reliability",
    (
        Term("A", "A: completely reliable", "A: полностью надёжный"),
        Term("B", "B: usually reliable", "B: обычно надёжный"),
        Term("C", "C: fairly reliable", "C: достаточно надёжный"),
        Term("D", "D: not usually reliable", "D: обычно ненадёжный"),
        Term("E", "E: unreliable", "E: ненадёжный"),
        Term("F", "F: reliability cannot be judged", "F: надёжность невозможно оценить"),
    ),
)

# The Admiralty code's information credibility scale: a claim's, beside its source's
# reliability (a reliable source can pass on what it could not check).
CREDIBILITY = Vocabulary(
    "information credibility",
    (
        Term("1", "1: confirmed by other sources", "1: подтверждено другими источниками"),
        Term("2", "2: probably true", "2: вероятно, верно"),
        Term("3", "3: possibly true", "3: возможно, верно"),
        Term("4", "4: doubtful", "4: сомнительно"),
        Term("5", "5: improbable", "5: маловероятно"),
        Term("6", "6: truth cannot be judged", "6: достоверность невозможно оценить"),
    ),
)

SOURCE_KINDS = Vocabulary(
    "source kind",
    (
        Term("organisation", "organisation", "организация"),
        Term("person", "person", "человек"),
        Term("publication", "publication", "публикация"),
    ),
)

DOCUMENT_KINDS = Vocabulary(
    "document kind",
    (
        Term("testimony", "testimony", "свидетельство"),
        Term("interview", "interview", "интервью"),
        Term("report", "report", "доклад"),
        Term("news_article", "news article", "новостная статья"),
        Term("public_report", "public report", "публикация из открытых источников"),
        Term("list", "list", "список"),
        Term("submission", "anonymous submission", "анонимное сообщение"),
        Term("other", "other", "другое"),
        # The conversation with an anonymous source (services/triage.py): what they sent
        # later with their receipt code, and the team's sealed copy of each reply.
        Term("follow_up", "source's follow-up", "дополнение от источника"),
        Term("reply", "reply to a source", "ответ источнику"),
    ),
)

PERSON_ROLES = Vocabulary(
    "person role",
    (
        Term("victim", "victim", "пострадавший"),
        Term("perpetrator", "perpetrator", "исполнитель"),
        Term("witness", "witness", "свидетель"),
        Term("source", "source", "источник"),
    ),
)

SEXES = Vocabulary(
    "sex",
    (
        Term("female", "female", "женский"),
        Term("male", "male", "мужской"),
        Term("other", "other", "другой"),
        Term("unknown", "unknown", "неизвестно"),
    ),
)

STANCES = Vocabulary(
    "stance",
    (
        Term("asserts", "asserts", "утверждает"),
        Term("denies", "denies", "отрицает"),
    ),
)

INTERVENTION_KINDS = Vocabulary(
    "intervention",
    (
        Term("evacuation", "evacuation or relocation", "эвакуация или переезд"),
        Term("legal_aid", "legal aid", "юридическая помощь"),
        Term("complaint", "complaint filed", "подана жалоба"),
        Term("medical", "medical aid", "медицинская помощь"),
        Term("psychological", "psychological help", "психологическая помощь"),
        Term("shelter", "shelter", "убежище"),
        # HURIDOCS ESF micro-thesaurus 20 (types of intervention), as far as they apply.
        Term("financial", "financial assistance", "финансовая помощь"),
        Term("publicity", "publicity", "огласка"),
        Term("confidential_contacts", "confidential contacts", "конфиденциальные контакты"),
    ),
)

INTERVENTION_STATUSES = Vocabulary(
    "intervention status",
    (
        Term("planned", "planned", "запланировано"),
        Term("in_progress", "in progress", "в процессе"),
        Term("done", "done", "выполнено"),
        Term("failed", "failed", "не удалось"),
        Term("closed", "case closed", "дело закрыто"),
    ),
)

# A case is open while its status is one of these (services/casework.py lists them).
OPEN_STATUSES = ("planned", "in_progress")

# The triage of an anonymous submission in the inbox (sealed with the document).
TRIAGE_STATUSES = Vocabulary(
    "triage status",
    (
        Term("new", "new", "новое"),
        Term("in_review", "in review", "на рассмотрении"),
        Term("follow_up", "needs follow-up", "нужно уточнить"),
        Term("done", "done", "готово"),
        Term("rejected", "rejected (spam or abuse)", "отклонено (спам или злоупотребление)"),
    ),
)

# ESF micro-thesaurus 46 (priority), in the order cases are listed.
PRIORITIES = Vocabulary(
    "priority",
    (
        Term("urgent", "urgent", "срочно"),
        Term("high", "high", "высокий"),
        Term("medium", "medium", "средний"),
        Term("low", "low", "низкий"),
    ),
)

# ESF micro-thesaurus 27 (response of the parties requested).
RESPONSES = Vocabulary(
    "response",
    (
        Term("none_yet", "no answer yet", "ответа ещё нет"),
        Term("favourable", "favourable", "благоприятный"),
        Term("partly_favourable", "partly favourable", "частично благоприятный"),
        Term("token", "token response", "формальный ответ"),
        Term("unfavourable", "unfavourable", "неблагоприятный"),
        Term("no_response", "no response", "нет ответа"),
    ),
)

# ESF micro-thesaurus 44 (impact on the situation).
IMPACTS = Vocabulary(
    "impact",
    (
        Term("unknown", "unknown", "неизвестно"),
        Term("strong_positive", "strong positive", "сильное положительное"),
        Term("positive", "positive", "положительное"),
        Term("none", "no impact", "без последствий"),
        Term("negative", "negative", "отрицательное"),
    ),
)

# How much danger an evacuated person is in (reviewed by a date).
RISK_LEVELS = Vocabulary(
    "risk level",
    (
        Term("critical", "critical", "критический"),
        Term("high", "high", "высокий"),
        Term("medium", "medium", "средний"),
        Term("low", "low", "низкий"),
    ),
)

# Identity documents seized by the perpetrators (passports), and getting them back.
DOCUMENT_RECOVERY = Vocabulary(
    "document recovery status",
    (
        Term("not_seized", "not seized", "не изымались"),
        Term("seized", "seized, not recovered", "изъяты, не возвращены"),
        Term("requested", "return requested", "запрошен возврат"),
        Term("recovered", "recovered", "возвращены"),
        Term("replaced", "replaced by new documents", "заменены новыми"),
        Term("unknown", "unknown", "неизвестно"),
    ),
)

# What a person or a source agreed their information may be used for (DESIGN.md: consent).
# Every way out of the archive asks services/consent.py, which reads these.
CONSENT_SCOPES = Vocabulary(
    "consent scope",
    (
        Term("internal_casework", "internal casework", "внутренняя работа по делу"),
        Term("partner_sharing", "sharing with a named partner", "передача названному партнёру"),
        Term("aggregate_statistics", "aggregate statistics", "обобщённая статистика"),
        Term("anonymised_quotation", "anonymised quotation", "анонимное цитирование"),
        Term("naming_in_publication", "naming in publication", "упоминание имени в публикации"),
        Term("court_proceedings", "court proceedings", "судебное разбирательство"),
    ),
)

CONSENT_METHODS = Vocabulary(
    "consent method",
    (
        Term("written", "written and signed", "письменно, с подписью"),
        Term("oral_recorded", "oral, recorded", "устно, с записью"),
        Term("oral_witnessed", "oral, before a witness", "устно, при свидетеле"),
        Term("intake_form", "in the intake form", "в форме приёма"),
        # Only `bearwitness consent override` writes this one, with k custodians' shares.
        Term("court_order", "court order (overrides consent)", "решение суда (вместо согласия)"),
    ),
)

# What counting may split a person's capture history by: the event's year (period), its
# place, the act recorded and the person's sex (linkage/counting.py reads them). A plain
# list here, so that every interface offers and checks the same ones.
STRATA = ("period", "place", "act_type", "sex")

ALL = (
    ACT_TYPES,
    CONSEQUENCES,
    INVOLVEMENT,
    RELIABILITY,
    CREDIBILITY,
    SOURCE_KINDS,
    DOCUMENT_KINDS,
    PERSON_ROLES,
    SEXES,
    STANCES,
    INTERVENTION_KINDS,
    INTERVENTION_STATUSES,
    CONSENT_SCOPES,
    CONSENT_METHODS,
    TRIAGE_STATUSES,
    PRIORITIES,
    RESPONSES,
    IMPACTS,
    RISK_LEVELS,
    DOCUMENT_RECOVERY,
)
