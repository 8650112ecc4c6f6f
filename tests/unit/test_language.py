# ruff: noqa: RUF001  (the samples are written in their own scripts)
"""Language detection: one realistic paragraph and one short line per language, odd input,
bounded sampling of long text, determinism."""

from __future__ import annotations

import pytest

from tasks.shared.language import MAX_SAMPLE_CHARS, detect_language, sample_text

PARAGRAPHS: dict[str, str] = {
    "en": (
        "The committee reviewed the quarterly report on Tuesday and agreed to postpone "
        "the vote until the auditors have finished checking the figures. Several members "
        "asked for a clearer breakdown of the travel expenses."
    ),
    "de": (
        "Der Ausschuss hat den Quartalsbericht am Dienstag geprüft und beschlossen, die "
        "Abstimmung zu verschieben, bis die Wirtschaftsprüfer die Zahlen kontrolliert "
        "haben. Mehrere Mitglieder wünschten sich eine genauere Aufstellung der "
        "Reisekosten."
    ),
    "fr": (
        "Le comité a examiné mardi le rapport trimestriel et a décidé de reporter le vote"
        " jusqu'à ce que les auditeurs aient vérifié les chiffres. Plusieurs membres ont "
        "demandé une ventilation plus claire des frais de déplacement."
    ),
    "es": (
        "El comité revisó el martes el informe trimestral y acordó aplazar la votación "
        "hasta que los auditores terminen de comprobar las cifras. Varios miembros "
        "pidieron un desglose más claro de los gastos de viaje."
    ),
    "it": (
        "Il comitato ha esaminato martedì la relazione trimestrale e ha deciso di "
        "rinviare il voto finché i revisori non avranno controllato i dati. Diversi "
        "membri hanno chiesto una ripartizione più chiara delle spese di viaggio."
    ),
    "pt": (
        "O comitê analisou o relatório trimestral na terça-feira e decidiu adiar a "
        "votação até que os auditores terminem de verificar os números. Vários membros "
        "pediram uma discriminação mais clara das despesas de viagem."
    ),
    "nl": (
        "De commissie heeft dinsdag het kwartaalverslag besproken en besloten de stemming"
        " uit te stellen tot de accountants de cijfers hebben gecontroleerd. "
        "Verschillende leden vroegen om een duidelijker overzicht van de reiskosten."
    ),
    "ru": (
        "Во вторник комитет рассмотрел квартальный отчёт и решил отложить голосование, "
        "пока аудиторы не проверят все цифры. Несколько членов комитета попросили более "
        "подробно расписать командировочные расходы."
    ),
    "ar": (
        "راجعت اللجنة التقرير الفصلي يوم الثلاثاء واتفقت على تأجيل التصويت حتى ينتهي "
        "المدققون من مراجعة الأرقام. وطلب عدد من الأعضاء تفصيلا أوضح لنفقات السفر."
    ),
    "he": (
        "הוועדה בחנה ביום שלישי את הדוח הרבעוני והחליטה לדחות את ההצבעה עד שרואי החשבון "
        "יסיימו לבדוק את הנתונים. כמה מחברי הוועדה ביקשו פירוט ברור יותר של הוצאות "
        "הנסיעה."
    ),
    "ko": (
        "위원회는 화요일에 분기 보고서를 검토했으며 감사인들이 수치 확인을 마칠 "
        "때까지 표결을 연기하기로 합의했다. 여러 위원들은 출장비에 대한 더 명확"
        "한 내역을 요청했다."
    ),
    "zh": (
        "委员会周二审阅了季度报告，并同意推迟表决，直到审计"
        "人员核对完所有数据。几位委员要求对差旅费用作出更清"
        "楚的分项说明。"
    ),
    "ja": (
        "委員会は火曜日に四半期報告書を検討し、監査人が数字"
        "の確認を終えるまで採決を延期することで合意した。複"
        "数の委員が出張費のより明確な内訳を求めた。"
    ),
}

# Short, harder: one line as in a title or a table cell.
SHORT: dict[str, str] = {
    "en": "Please return the signed contract by Friday.",
    "de": "Bitte senden Sie den unterschriebenen Vertrag bis Freitag zurück.",
    "fr": "Merci de renvoyer le contrat signé avant vendredi.",
    "es": "Por favor, devuelva el contrato firmado antes del viernes.",
    "it": "Si prega di restituire il contratto firmato entro venerdì.",
    "pt": "Por favor, devolva o contrato assinado até sexta-feira.",
    "nl": "Stuur het ondertekende contract uiterlijk vrijdag terug.",
    "ru": "Пожалуйста, верните подписанный договор до пятницы.",
    "ar": "يرجى إعادة العقد الموقع قبل يوم الجمعة.",
    "he": "נא להחזיר את החוזה החתום עד יום שישי.",
    "ko": "서명한 계약서를 금요일까지 보내 주십시오.",
    "zh": "请在周五之前寄回签好的合同。",
    "ja": "署名済みの契約書を金曜日までに返送してください。",
}


@pytest.mark.parametrize("language", sorted(PARAGRAPHS))
def test_detects_the_language_of_a_paragraph(language: str) -> None:
    assert detect_language(PARAGRAPHS[language]) == language


@pytest.mark.parametrize("language", sorted(SHORT))
def test_detects_the_language_of_one_short_line(language: str) -> None:
    assert detect_language(SHORT[language]) == language


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "Hello",
        "12345 67890 2024-01-01",
        "€ 1.234,56 / $ 99.00 (+3 %)",
        "\x00" * 50,
        "🙂" * 100,
        "asdf qwer zxcv",
        "Hello мир 你好 שלום",
        "abc\ud800def ghij klmno pqrs",  # lone surrogate from badly decoded bytes
    ],
)
def test_returns_none_for_short_or_undecidable_text(text: str) -> None:
    assert detect_language(text) is None


def test_a_few_foreign_words_do_not_change_the_dominant_language() -> None:
    text = PARAGRAPHS["de"] + " Siehe auch: Quarterly Report, Board Meeting, 서울 2024."
    assert detect_language(text) == "de"


def test_short_text_is_sampled_whole() -> None:
    assert sample_text(PARAGRAPHS["en"]) == PARAGRAPHS["en"]


def test_long_text_is_sampled_from_beginning_middle_and_end_within_the_bound() -> None:
    # Given a long text whose beginning, middle and end are marked
    filler = "x" * 1_000_000
    text = "BEGIN" + filler + "MIDDLE" + filler + "END"

    # When it is sampled
    sample = sample_text(text)

    # Then the sample is bounded and holds all three parts
    assert len(sample) <= MAX_SAMPLE_CHARS
    assert sample.startswith("BEGIN")
    assert "MIDDLE" in sample
    assert sample.endswith("END")


def test_a_three_megabyte_text_gets_the_answer_of_its_sample() -> None:
    # Given a ~3 MB novel-sized text
    text = (PARAGRAPHS["nl"] + "\n") * 14_000
    assert len(text) > 3_000_000

    # Then it is detected from a bounded sample, like the paragraph it repeats
    assert detect_language(text) == "nl"
    assert detect_language(text) == detect_language(sample_text(text))


def test_only_the_sample_decides_not_the_bulk() -> None:
    # Given English in the sampled windows and far more Portuguese outside them
    window = MAX_SAMPLE_CHARS // 3
    english = (PARAGRAPHS["en"] + " ") * (window // len(PARAGRAPHS["en"]) + 1)
    portuguese = (PARAGRAPHS["pt"] + " ") * 2_000
    text = english[:window] + portuguese + english + portuguese + english[-window:]
    middle = (len(text) - window) // 2
    text = text[:middle] + english[:window] + text[middle + window :]

    # Then the answer is the sample's language: the rest of the text is never read
    assert detect_language(text) == "en"


def test_is_deterministic_across_calls() -> None:
    texts = [*PARAGRAPHS.values(), *SHORT.values(), "Hello мир 你好 שלום"]
    first = [detect_language(text) for text in texts]
    for _ in range(5):
        assert [detect_language(text) for text in texts] == first
