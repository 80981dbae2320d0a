"""The rule layer's words: acts, denials, hedges, attribution, places, in English and Russian.

Acts use the vocabulary's ids (:data:`bearwitness.domain.vocabulary.ACT_TYPES`); a test
keeps every id here in the vocabulary.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE

# (act id, pattern). Order matters only where two acts claim one phrase: the first wins.
ACTS: list[tuple[str, re.Pattern[str]]] = [
    (
        "death_in_custody",
        re.compile(
            r"(?<!\w)(?:died|death|deaths|dying|dead|perished|killed|умер\w*|скончал\w*|погиб\w*|"
            r"смерт\w*)[^.;]{0,40}?(?:in|under|while in|after|from|of|в|под|от|после)\s+"
            r"(?:\w+\s+){0,2}(?:custody|detention|detained|arrest|torture|prison|jail|"
            r"police station|"
            r"cell|captivity|beatings|заключени\w*|страж\w*|пыт\w*|сизо|отдел\w*|"
            r"изолятор\w*|колони\w*|тюрьм\w*|плену|побо\w*|избиени\w*)"
            r"|(?:custodial deaths?|died in custody|tortured to death(?:[^.;]{0,40}?"
            r"(?:detained|detention|custody|arrest\w*))?|умер\w* в отделе|замучен\w*|"
            r"запытан\w*)",
            _I,
        ),
    ),
    (
        "arbitrary_detention",
        re.compile(
            r"(?<!\w)(?:detain\w*|detention\w*|arrest\w*|rounded up|round-ups?|roundups?|"
            r"hauled (?:away|off)|dragged (?:off|away)|bundled into|"
            r"took\s+(?:[\w,]+\s+){0,3}from (?:their|his|her) homes?|"
            r"(?:had|have|has) been held|being held|"
            r"taken into custody|jailed|imprisoned|apprehended|incarcerated|"
            r"held\s+(?:incommunicado|without charge|hostage|captive|in (?:custody|detention|"
            r"prison|jail|a police|police|solitary|secret|pre-trial)|at (?:a |the )?(?:police|"
            r"detention)|by (?:the )?(?:police|security))|"
            r"задерж\w*|арест\w*|под стражу|под стражей|водворен\w*|доставлен\w* в (?:отдел|"
            r"полици|ОВД|отделени)\w*|заключен\w* под|посажен\w*|лишен\w* свободы|"
            r"содерж\w* (?:в|под)\w*)",
            _I,
        ),
    ),
    (
        "torture",
        re.compile(
            r"(?<!\w)(?:tortur\w*|electric shocks?|waterboard\w*|пыт(?:к|ал|ать|ают|аем)\w*|"
            r"электрошок\w*|током)",
            _I,
        ),
    ),
    (
        "killing",
        re.compile(
            r"(?<!\w)(?:kill\w*|murder\w*|shot dead|executed|execution\w*|massacre\w*|slain|"
            r"death toll|deaths|died|dead|fatalit(?:y|ies)|lost their lives|"
            r"убит\w*|убил\w*|убийств\w*|гибел\w*|гибель|скончал\w*|погиб\w*|погибш\w*|застрел\w*|расстрел\w*|казн\w*|жертв\w*)",
            _I,
        ),
    ),
    (
        "enforced_disappearance",
        re.compile(
            r"(?<!\w)(?:disappeared|disappearances?|forcibly disappeared|abducted|abductions?|"
            r"kidnapped|went missing|gone missing|missing|whereabouts (?:remain |are |is )?"
            r"unknown|have not been seen|has not been seen|not been heard from|"
            r"whereabouts\b[^.;]{0,160}?\b(?:unknown|unclear)|fate\b[^.;]{0,60}?\bunknown|"
            r"судьб\w*[^.;]{0,40}?(?:ничего не известно|неизвестн\w*)|"
            r"исчез\w*|похищ\w*|похитил\w*|пропал\w*|пропавш\w*|"
            r"местонахождение\s+(?:\w+\s+)?неизвестно)",
            _I,
        ),
    ),
    (
        "seizure_of_documents",
        re.compile(
            r"(?<!\w)(?:(?:seiz\w*|confiscat\w*|took away|taken away|took|removed)\s+(?:\w+\s+)?"
            r"(?:passports?|identity documents|ID cards?|IDs|documents)|"
            r"(?:passports?|identity documents|ID cards?|documents)\s+(?:\w+\s+){0,3}"
            r"(?:seized|confiscated|taken away|taken)|"
            r"(?:изъял\w*|изъят\w*|отобрал\w*|отняли|забрал\w*)\s+(?:\w+\s+)?(?:паспорт\w*|"
            r"документ\w*)|(?:паспорт\w*|документ\w*)\s+(?:\w+\s+){0,2}(?:изъял\w*|изъят\w*|"
            r"отобрал\w*|забрал\w*|отняли))",
            _I,
        ),
    ),
    (
        "ill_treatment",
        re.compile(
            r"(?<!\w)(?:beat(?:en|ing|ings)?|ill-?treat\w*|mistreat\w*|abused|humiliat\w*|"
            r"bruises|избит\w*|избил\w*|избиени\w*|бил[аи]?|побо\w*|унижени\w*|издевал\w*)",
            _I,
        ),
    ),
    (
        "threats_to_relatives",
        re.compile(
            r"(?<!\w)(?:threaten\w*\s+(?:their|his|her)\s+(?:famil\w*|relatives|parents)|"
            r"угрожал\w*\s+(?:\w+\s+)?(?:родственник\w*|семь\w*|родител\w*))",
            _I,
        ),
    ),
    (
        "extortion",
        re.compile(r"(?<!\w)(?:extort\w*|ransom|вымогал\w*|вымогательств\w*|выкуп\w*)", _I),
    ),
    (
        "forced_outing",
        re.compile(r"(?<!\w)(?:outed to|forcibly outed|аутинг\w*)", _I),
    ),
    (
        "obstruction_of_justice",
        re.compile(
            r"(?<!\w)(?:denied access to (?:a |their |his |her )?(?:lawyers?|counsel|legal)|"
            r"не допуска\w* адвокат\w*|не пустил\w* адвокат\w*)",
            _I,
        ),
    ),
]

# A detention trigger that only names the detained ("detainees", «задержанных»).
DETAINEES = re.compile(r"detainees?|задержанн\w+", _I)

# Phrases that hold a "not" but assert (masked before looking for a denial).
NOT_A_DENIAL = re.compile(
    r"(?:could not be (?:independently )?(?:verified|confirmed)|cannot be (?:independently )?"
    r"verified|(?:difficult|impossible|hard) to (?:independently )?verify|"
    r"have not been seen|has not been seen|not been heard from|without (?:charge|trial)|"
    r"denied access to|not allowed to|were not told|did not say|would not say|declined to|"
    r"no longer|not only|not yet|not (?:been |yet been )?(?:released|charged|returned|freed)|"
    r"не удалось (?:проверить|подтвердить|связаться)|"
    r"не выходит на связь|не вернул\w*|не допуска\w*|не пустил\w*|не только|не менее|"
    r"не меньше|не более|не больше|не известно|неизвестно|не сообщает\w*|"
    r"whereabouts (?:remain |are |is )?unknown)",
    _I,
)
DENIAL = re.compile(
    r"(?<!\w)(?:den(?:y|ied|ies|ying|ial)|rejected|refuted|dismissed|not true|untrue|"
    r"never|no one|nobody|not a single|let alone|much less|lies?|disinformation|"
    r"fabricat\w*|fake|slander\w*|provocation|baseless|unfounded|groundless|absurd|"
    r"nonsense|(?:were|was|had|have|has|did|do|does|is|are)(?:\s+not|n't)|no (?:arrests|"
    r"detentions|one|such)|опроверг\w*|отрица\w*|лож(?:ь|ью|ной|ные|ная)|лжив\w*|дезинформац\w*|провокац\w*|"
    r"клевет\w*|фейк\w*|вымысел|выдумк\w*|не соответству\w*|никто|никого|ни одного|"
    r"ни один|не было|не был[аио]?|не задерживал\w*|не задержан\w*|не арестов\w*|"
    r"тем более|не говоря уже|беспочвенн\w*|голословн\w*|абсурд\w*)(?!\w)",
    _I,
)
# A whole sentence that rejects reporting without naming an act ("lies and disinformation").
BLANKET_DENIAL = re.compile(
    r"(?<!\w)(?:lies|disinformation|fabricat\w*|fake news|slander\w*|provocation|baseless|"
    r"unfounded|groundless|absurd|nonsense|(?:denied|denies|rejected|dismissed|refuted)\s+"
    r"(?:the\s+|these\s+|those\s+|all\s+)?(?:reports?|claims?|allegations?|accusations?|"
    r"information|it)|лож(?:ь|ью|ной|ные|ная)|дезинформац\w*|провокац\w*|клевет\w*|фейк\w*|вымысел|"
    r"не соответству\w* действительности|опроверг\w*|беспочвенн\w*|голословн\w*)(?!\w)",
    _I,
)
COUNTERFACTUAL = re.compile(r"(?:let alone|much less|not to mention|тем более|не говоря уже о)", _I)
HEDGE = re.compile(
    r"(?<!\w)(?:reportedly|allegedly|alleged|appears? to|appeared to|apparently|"
    r"purportedly|supposedly|is said to|are said to|were said to|believed to|thought to|"
    r"may have|might have|could have|possibly|unconfirmed|rumou?r\w*|unverified|"
    r"(?:could not|cannot|can't) be (?:independently )?(?:verified|confirmed)|"
    r"(?:difficult|impossible|hard) to (?:independently )?verify|якобы|предположительно|"
    r"по неподтвержд\w+ (?:данным|сведениям|информации)|возможно|вероятно|по слухам|"
    r"по некоторым (?:данным|сведениям)|судя по всему|как сообщается|не удалось "
    r"(?:проверить|подтвердить)|по имеющимся (?:данным|сведениям))(?!\w)",
    _I,
)

# Attribution. A claimant is the one who said it; "via" is the outlet or medium it reached
# the text through ("told the BBC", "in a press release"): the echo's trace.
SPEECH_EN = (
    r"(?:said|says|say|told|tells|reported|reports|stated|states|claimed|claims|alleged|"
    r"alleges|announced|announces|confirmed|confirms|disclosed|discloses|revealed|reveals|estimated|estimates|wrote|writes|added|"
    r"noted|documented|documents|recorded|counted|denied|denies|insisted|insists|rejected|"
    r"dismissed|called(?=\s+(?:the|it|this|these|those|them|for|on))|"
    r"put(?=\s+(?:the\s+)?(?:number|toll|death toll|figure|total|count)\b)|"
    r"described|warned|explained|according)"
)
SPEECH_RU = (
    r"(?:сообщил[аио]?|сообщает|сообщают|заявил[аио]?|заявляет|заявляют|рассказал[аио]?|"
    r"рассказывает|отметил[аио]?|подчеркнул[аио]?|утверждает|утверждают|утверждал[аи]?|"
    r"пишет|пишут|написал[аио]?|опроверг(?:ла|ли)?|отрицает|отрицают|назвал[аио]?|"
    r"подтвердил[аио]?|уточнил[аио]?|добавил[аио]?|передает|передаёт|сказал[аио]?|"
    r"считает|полагает|знает|зафиксировал[аио]?|насчитал[аио]?|признал[аио]?|признают|"
    r"призна[её]т)"
)
MEDIUM = re.compile(
    r"(?:in|via|through)\s+(?:a|an|its|their|his|her|the)\s+(?:\w+\s+)?(?:press release|"
    r"statement|report|tweet|post|interview|briefing|communiqu\w*|letter|video)|"
    r"(?:в|на)\s+(?:своем|своём|своей|официальном|официальной)?\s*(?:пресс-релиз\w*|"
    r"заявлени\w*|доклад\w*|телеграм\w*|Telegram|сайт\w*|канал\w*|интервью)",
    _I,
)
PRONOUNS = re.compile(r"^(?:he|she|they|it|we|он|она|они|мы)$", _I)

# Places: a country name is country precision; these words mark the others.
COUNTRIES = frozenset(
    [
        "afghanistan",
        "algeria",
        "argentina",
        "armenia",
        "azerbaijan",
        "bahrain",
        "bangladesh",
        "belarus",
        "bolivia",
        "brazil",
        "burundi",
        "cambodia",
        "cameroon",
        "chad",
        "chile",
        "china",
        "colombia",
        "cuba",
        "egypt",
        "eritrea",
        "ethiopia",
        "georgia",
        "guatemala",
        "guinea",
        "honduras",
        "india",
        "indonesia",
        "iran",
        "iraq",
        "israel",
        "kazakhstan",
        "kenya",
        "kyrgyzstan",
        "laos",
        "lebanon",
        "libya",
        "mali",
        "mexico",
        "morocco",
        "myanmar",
        "nepal",
        "nicaragua",
        "niger",
        "nigeria",
        "pakistan",
        "palestine",
        "peru",
        "philippines",
        "russia",
        "rwanda",
        "saudi",
        "senegal",
        "somalia",
        "sudan",
        "syria",
        "tajikistan",
        "tanzania",
        "thailand",
        "togo",
        "tunisia",
        "turkey",
        "turkmenistan",
        "uganda",
        "ukraine",
        "uzbekistan",
        "venezuela",
        "vietnam",
        "yemen",
        "zimbabwe",
        "zambia",
        "sri",
        "lanka",
        "hong",
        "kong",
        "россия",
        "россии",
        "беларусь",
        "белоруссии",
        "белоруссия",
        "украина",
        "украины",
        "казахстан",
        "казахстане",
        "узбекистан",
        "узбекистане",
        "таджикистан",
        "таджикистане",
        "киргизия",
        "киргизии",
        "кыргызстан",
        "азербайджан",
        "грузия",
        "грузии",
        "армения",
        "армении",
        "китай",
        "китае",
        "иран",
        "иране",
        "сирия",
        "сирии",
        "турция",
        "турции",
        "египет",
        "египте",
        "венесуэла",
        "венесуэле",
        "никарагуа",
        "мьянма",
    ]
)
REGIONS = frozenset(
    [
        "chechnya",
        "dagestan",
        "ingushetia",
        "crimea",
        "xinjiang",
        "tibet",
        "kashmir",
        "balochistan",
        "tigray",
        "darfur",
        "donbas",
        "donbass",
        "kurdistan",
        "siberia",
        "papua",
        "mindanao",
        "чечня",
        "чечне",
        "чечни",
        "дагестан",
        "дагестане",
        "ингушетия",
        "ингушетии",
        "крым",
        "крыму",
        "синьцзян",
        "башкирия",
        "башкирии",
        "татарстан",
        "татарстане",
    ]
)
PRECISION_WORDS = [
    (re.compile(r"\b(?:region|province|oblast|republic|state|governorate|krai|область\w*|"
                r"област\w*|кра[йея]\w*|республик\w*|регион\w*|округ\w*)\b", _I), "region"),
    (re.compile(r"\b(?:district|county|raion|район\w*|уезд\w*)\b", _I), "district"),
    (re.compile(r"\b(?:city|town|village|settlement|город\w*|сел[оа]\w*|посел\w*|деревн\w*)\b",
                _I), "town"),
]  # fmt: skip
