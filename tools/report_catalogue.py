"""Write the reports' Russian catalogue (src/bearwitness/reports/locale/ru/LC_MESSAGES/reports.po).

The English text is the msgid; this script holds the Russian and writes the .po
with Babel, so the catalogue stays a plain, reviewable gettext file. Run it after
changing a message: ``python tools/report_catalogue.py``. A test fails when the
reports ask for a message the catalogue lacks.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

PO = Path(__file__).parents[1] / "src/bearwitness/reports/locale/ru/LC_MESSAGES/reports.po"

RUSSIAN = {
    "unknown": "неизвестно",
    "Documented acts by type and district": "Задокументированные нарушения по видам и районам",
    "Documented acts by period": "Задокументированные нарушения по периодам",
    "Documented victims by sex and age band": "Задокументированные пострадавшие по полу и возрасту",
    "Documented events by period": "Задокументированные события по периодам",
    "Interventions by kind and status": "Помощь по видам и состоянию",
    "Act type": "Вид нарушения",
    "District": "Район",
    "Period": "Период",
    "Sex": "Пол",
    "Age band": "Возраст",
    "Intervention": "Помощь",
    "Status": "Состояние",
    "Summary": "Кратко",
    "Documented counts": "Задокументированные числа",
    "Timeline of events": "Хронология событий",
    "Estimates": "Оценки",
    "Interventions": "Помощь",
    "Method": "Метод",
    "Latent-class multiple systems estimation (LCMCR): people are grouped into classes that "
    "are each equally likely to appear on each list, which allows for people who are easier "
    "or harder to document.": "Оценка по нескольким спискам с латентными классами (LCMCR): "
    "люди делятся на классы, внутри которых у каждого одинаковые шансы попасть в каждый "
    "список; так учитывается, что одних людей задокументировать легче, чем других.",
    "Log-linear multiple systems estimation: models how the lists overlap, allowing for lists "
    "that depend on each other, and averages over the models.": "Логлинейная оценка по "
    "нескольким спискам: моделирует пересечения списков с учётом их зависимости друг от "
    "друга и усредняет результат по моделям.",
    "Bayesian model averaging over decomposable graphical models (DGA): the lists may depend "
    "on each other in any of the ways such a graph allows.": "Байесовское усреднение по "
    "разложимым графическим моделям (DGA): списки могут зависеть друг от друга любым "
    "способом, который допускает такой граф.",
    "Documented abuses: a report from the archive": "Задокументированные нарушения: отчёт по "
    "архиву",
    "Built on {date} from the archive {origin} as signed at log size {size} (root hash "
    "{root}). Report {report}.": "Составлен {date} по архиву {origin} в состоянии, "
    "подписанном при размере журнала {size} (корневой хеш {root}). Отчёт {report}.",
    "Check every figure: bearwitness report verify ARCHIVE FOLDER, or without the archive: "
    "python tools/verify_report.py FOLDER --vkey-file KEY": "Проверить каждое число: "
    "bearwitness report verify АРХИВ ПАПКА, а без архива: python tools/verify_report.py "
    "ПАПКА --vkey-file КЛЮЧ (ключ журнала, полученный не из папки отчёта)",
    "Every count here is documented (a lower bound): it counts what the archive holds, not "
    "everything that happened, and it is not a pattern: who was documented depends on who "
    "could speak.": "Все числа здесь задокументированы (это нижняя граница): они считают то, "
    "что есть в архиве, а не всё, что произошло, и не показывают закономерностей: кого "
    "удалось задокументировать, зависит от того, кто смог рассказать.",
    "Documented acts": "Задокументировано нарушений",
    "Documented victims": "Задокументировано пострадавших",
    "Documented events": "Задокументировано событий",
    "Total": "Всего",
    "Documented": "Задокументировано",
    "hidden": "скрыто",
    "x: hidden, to protect the people counted (a count under {k}, or one that would let "
    "someone work out such a count).": "x: скрыто, чтобы защитить людей (число меньше {k} или "
    "число, по которому можно вычислить такое).",
    "Documented: {documented} people (a lower bound).": "Задокументировано: {documented} чел. "
    "(нижняя граница).",
    "Estimated total: {median} (95% interval {lower} to {upper}).": "Оценка общего числа: "
    "{median} (95-процентный интервал от {lower} до {upper}).",
    "No estimated total could be given honestly for this run.": "Для этого расчёта честно "
    "оценить общее число нельзя.",
    "Documented and estimated": "Задокументировано и оценено",
    "Estimated": "Оценка",
    "Estimated by stratum ({strata}); the strata are not shown.": "Оценено по группам "
    "({strata}); группы не показаны.",
    "Assumptions, in plain words: the lists were made of one fixed group of people over the "
    "period; each person on a list is a real, distinct person and was matched correctly "
    "across lists; and the method's model of how the lists overlap fits. If people who were "
    "never on any list differ from everyone listed in ways the model cannot see, the "
    "estimate is off.": "Допущения, простыми словами: списки составлены об одной и той же "
    "группе людей за весь период; каждая запись в списке — реальный и отдельный человек, "
    "правильно сопоставленный между списками; модель пересечения списков подходит к данным. "
    "Если люди, не попавшие ни в один список, отличаются от попавших так, что модель этого "
    "не видит, оценка неверна.",
    "months": "месяцы",
    "quarters": "кварталы",
    "years": "годы",
    "The figures were computed from the records of the archive as they stood when its log "
    "held {size} entries, a state signed in a checkpoint (root hash {root}).": "Числа "
    "посчитаны по записям архива в том виде, в каком они были, когда в журнале было {size} "
    "записей; это состояние подписано в контрольной точке (корневой хеш {root}).",
    "No count under {k} is published, nor any count that would let someone work one out from "
    "the totals or the other tables; an attacker test checked that no hidden count can be "
    "recovered.": "Не публикуется ни одно число меньше {k} и ни одно число, по которому "
    "такое можно вычислить из итогов или других таблиц; проверка за атакующего "
    "подтвердила, что ни одно скрытое число восстановить нельзя.",
    "Zero counts are hidden as well.": "Нули тоже скрыты.",
    "Dates are shown as {dates}, ages as bands and places as districts; a date too vague for "
    "that is counted under its year or as unknown.": "Даты показаны как {dates}, возраст — "
    "группами, места — районами; слишком неточная дата учтена по году или как неизвестная.",
    "Every figure has an id; the manifest (manifest.json, signed with the log key) ties it to "
    "the checkpoint, the spec and the disclosure settings, and gives the hash of every "
    "file.": "У каждого числа и таблицы есть идентификатор; манифест (manifest.json, "
    "подписанный ключом журнала) связывает их с контрольной точкой, описанием отчёта и "
    "настройками защиты и даёт хеш каждого файла.",
    "Nothing to show.": "Показать нечего.",
    "documented, a lower bound": "задокументировано, нижняя граница",
    "Nothing documented in this scope.": "В этих рамках ничего не задокументировано.",
    "Figure": "Показатель",
    "Estimate {run}": "Оценка {run}",
    "Too few people for this estimate to be published.": "Слишком мало людей, чтобы "
    "публиковать эту оценку.",
    "Lists used: {lists}.": "Использованные списки: {lists}.",
    "Method:": "Метод:",
    # the evidence dossier (reports/dossier.py)
    "Evidence dossier": "Досье доказательств",
    "Built on {date} from the archive {origin} as signed at log size {size} (root hash {root}), "
    "for: {purpose}.": "Составлено {date} по архиву {origin}, подписанному при размере журнала "
    "{size} (корневой хеш {root}), для цели: {purpose}.",
    "People are named only as their consent allows; otherwise they appear by pseudonymous id. "
    "Each evidence file has a proof bundle in this folder: check it with python "
    "tools/verify_bundle.py BUNDLE --vkey KEY, with the log key received separately.": "Люди "
    "названы по имени только если это позволяет их согласие; иначе они указаны псевдонимным "
    "номером. У каждого файла доказательств в этой папке есть пакет доказательства: проверьте "
    "его командой python tools/verify_bundle.py BUNDLE --vkey KEY, получив ключ журнала "
    "отдельно.",
    "Event": "Событие",
    "Acts": "Нарушения",
    "Victims and other people": "Пострадавшие и другие люди",
    "Sources": "Источники",
    "Documents": "Документы",
    "Evidence files": "Файлы доказательств",
    "evidentiary copy: the original bytes as received, sealed on intake": "доказательная копия: "
    "исходные байты в том виде, в каком они получены, запечатанные при приёме",
    "Copy": "Копия",
    "Proof bundle": "Пакет доказательства",
    "Version": "Версия",
    "What": "Что",
    "By": "Кто",
    "When": "Когда",
    "Log entry": "Запись журнала",
    "Shown in part: consent does not cover": "Показано частично: согласие не охватывает цель",
    "create": "создано",
    "import": "импортировано",
    "update": "изменено",
    "delete": "удалено",
    "evidence": "файл доказательства",
    "Date": "Дата",
    "Victims (as documented)": "Пострадавших (по документам)",
    "Title": "Заголовок",
    "Description": "Описание",
    "Place": "Место",
    "Victim": "Пострадавший",
    "Perpetrators": "Исполнители",
    "Consequences": "Последствия",
    "Role": "Роль",
    "Name": "Имя",
    "Other names": "Другие имена",
    "Kind": "Вид",
    "Reliability": "Надёжность",
    "Received": "Получено",
    "Source": "Источник",
    "Language": "Язык",
    "What it is": "Что это",
    "Size (bytes)": "Размер (байт)",
    "Captured": "Снято",
    "From document": "Из документа",
    "File name": "Имя файла",
    "Random noise was added to every count (differential privacy, epsilon {epsilon} per table): "
    "a count may lie a little above or below what the archive holds, and the totals add up the "
    "noised counts.": "К каждому числу добавлен случайный шум (дифференциальная приватность, "
    "эпсилон {epsilon} на таблицу): число может быть немного больше или меньше того, что есть в "
    "архиве, а итоги сложены из зашумлённых чисел.",
    "Differential privacy: OpenDP's Laplace mechanism for whole numbers (scale {scale}) added "
    "noise to every count of each of the {tables} tables before anything was hidden. Adding or "
    "removing one record (an act, a victim, an event or an intervention) changes the chance of "
    "anything a table shows by a factor of at most e to the power {epsilon}; the report as a "
    "whole spends epsilon {total} (the tables' budgets added up). Estimates are not noised. The "
    "noise was not kept and cannot be drawn again.": "Дифференциальная приватность: механизм "
    "Лапласа для целых чисел из OpenDP (масштаб {scale}) добавил шум к каждому числу каждой из "
    "{tables} таблиц до того, как что-либо было скрыто. Добавление или удаление одной записи "
    "(нарушения, пострадавшего, события или помощи) меняет вероятность любого результата "
    "таблицы не более чем в e в степени {epsilon} раз; отчёт в целом расходует эпсилон {total} "
    "(бюджеты таблиц складываются). Оценки не зашумлены. Шум не сохранён, и получить его "
    "заново нельзя.",
    "Claims and denials": "Заявления и опровержения",
    "Claims are what others said, not what the archive documents. Each original claimant counts "
    "once, however many outlets repeat it; a claim is independently corroborated when at least "
    "two original claimants that do not relay one another assert it. Denials are kept beside "
    "the claims, never subtracted. The most conservative supported figure is the lowest figure "
    "any claimant supports.": "Заявления — это то, что сказали другие, а не то, что "
    "задокументировано в архиве. Каждый первоначальный источник заявления учтён один раз, "
    "сколько бы изданий его ни повторяли; заявление независимо подтверждено, когда его "
    "утверждают хотя бы два первоначальных источника, не пересказывающие друг друга. "
    "Опровержения приведены рядом с заявлениями и никогда не вычитаются. Самое осторожное "
    "подтверждённое число — наименьшее число, которое поддерживает кто-либо из заявивших.",
    "around {n}": "около {n}",
    "at least {n}": "не менее {n}",
    "at most {n}": "не более {n}",
    "{low} to {high}": "от {low} до {high}",
    "a private source (not named)": "частный источник (имя не называется)",
    "other act": "другое нарушение",
    "Event {event}: {act}": "Событие {event}: {act}",
    "Original claimant": "Первоначальный источник",
    "Stance": "Позиция",
    "Figures": "Числа",
    "not given": "не указано",
    "yes": "да",
    "no": "нет",
    "Independently corroborated: {answer}. Most conservative supported figure: {n}; low {low}, "
    "best {best}, high {high}.": "Независимо подтверждено: {answer}. Самое осторожное "
    "подтверждённое число: {n}; нижняя оценка {low}, лучшая {best}, верхняя {high}.",
}


def main() -> None:
    catalog = Catalog(locale="ru", project="BearWitness reports", fuzzy=False)
    for english, russian in RUSSIAN.items():
        catalog.add(english, russian)
    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=True)


if __name__ == "__main__":
    main()
