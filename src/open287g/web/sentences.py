"""The plain sentences that answer people's questions, in English and Spanish, made from the named
queries' answers: the county page and the `county` command say the same words. Every phrase is in
strings.json; this module only puts the answer's parts in their places."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from markupsafe import Markup, escape

STRINGS: dict[str, dict[str, str]] = json.loads((Path(__file__).parent / "strings.json").read_text(encoding="utf-8"))
NAMED = 3  # at most this many names in a sentence (four are named whole); the tables list them all


MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "es": (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
}


def say_day(day, lang: str) -> Markup:
    """A day in a sentence, as the language writes it ("March 27, 2026", "27 de marzo de 2026"), marked up
    with its ISO date (tables keep YYYY-MM-DD: exact, sortable)."""
    if not day:
        return Markup("")
    iso = str(day)[:10]
    year, month, d = (int(x) for x in iso.split("-"))
    name = MONTHS[lang][month - 1]
    words = f"{d} de {name} de {year}" if lang == "es" else f"{name} {d}, {year}"
    return Markup(f'<time datetime="{iso}">{escape(words)}</time>')


def t(key: str, lang: str) -> str:
    entry = STRINGS.get(key)
    return entry[lang] if entry else key


def fill(text: str, **parts) -> Markup:
    """A translated sentence with {name} places filled: the sentence and plain parts escaped, the parts
    that are already HTML (Markup, e.g. a link) kept as they are."""
    out = str(escape(text))
    for name, part in parts.items():
        out = out.replace("{" + name + "}", str(part if isinstance(part, Markup) else escape(str(part))))
    return Markup(out)


Link = Callable[[dict], Markup]


def plain(row: dict) -> Markup:
    return Markup(escape(row["name"]))


def names(rows: list[dict], lang: str, link: Link = plain) -> Markup:
    """ "A (JEM), B (TFM) and C (TFM)", or the first three "and N more (listed below)"."""
    shown = rows[:NAMED] if len(rows) > NAMED + 1 else rows
    parts = [link(r) + Markup(f" ({escape(', '.join(r['models']))})") for r in shown]
    if len(rows) > len(shown):
        return Markup(", ").join(parts) + fill(t("and_more", lang), n=len(rows) - len(shown))
    if len(parts) == 1:
        return parts[0]
    return Markup(", ").join(parts[:-1]) + Markup(escape(t("and_last", lang))) + parts[-1]


def county_answer(answer: dict, lang: str, state_name: str, link: Link = plain) -> Markup:
    """Does an agency in this county work with ICE under 287(g)? One or two sentences, yes or no first."""
    place, day = f"{answer['name']}, {answer['state']}", answer["list_day"] or answer["on"]
    own, other, statewide = answer["county_agencies"], answer["other_local"], answer["statewide"]
    if own:
        key = "answer_yes_county" if len(own) == 1 else "answer_yes_counties"
        out = fill(t(key, lang), agencies=names(own, lang, link), day=say_day(day, lang))
        if other:
            out += Markup(" ") + fill(t("answer_also_local", lang), agencies=names(other, lang, link))
    elif other:
        out = fill(
            t("answer_not_county_but_local", lang),
            place=place,
            day=say_day(day, lang),
            agencies=names(other, lang, link),
        )
    else:
        out = fill(t("answer_no_local", lang), place=place, day=say_day(day, lang))
    if statewide:
        out += Markup(" ") + fill(t("answer_statewide", lang), state=state_name, agencies=names(statewide, lang, link))
    return out


def qa_detail(check: dict, lang: str) -> str:
    """A QA check's detail in a language: our description of the check (the detail the warehouse wrote
    begins with its English), then what the check found, as written (counts, names)."""
    detail, entry = check.get("detail") or "", STRINGS.get("qa_" + check["check_name"])
    if entry is None or lang == "en" or not detail.startswith(entry["en"]):
        return detail
    return entry[lang] + detail[len(entry["en"]) :]


COUNTY_LABELS = (
    *("kind", "agency_id", "models", "signed", "ended_on"),
    *("kind_county", "kind_other_local", "kind_statewide", "kind_past"),
)


def county_labels(lang: str) -> dict[str, str]:
    """The headings and kinds of the `county` command's table in a language."""
    return {key: t("county_label_" + key, lang) for key in COUNTY_LABELS}


def day_words(day, lang: str) -> str:
    """A day as the language writes it, as plain text (feeds, e-mail)."""
    return say_day(day, lang).striptags()


def event_words(e: dict, lang: str) -> tuple[str, str]:
    """(title, summary) of an event, as plain text: what happened, to whom, under which model; the summary
    adds the signing date, what it was before and the list that showed it."""
    model = t(e["model"], lang) if e.get("model") else ""
    title = f"{t('kind_' + e['kind'], lang)}: {e['agency_name']} ({e['state']})" + (f", {model}" if model else "")
    parts = [t("feed_list", lang).replace("{day}", day_words(e["date"], lang))]
    if e.get("signed"):
        parts.append(t("feed_signed", lang).replace("{day}", day_words(e["signed"], lang)))
    was = e.get("previous_name") or (day_words(e["previous_signed"], lang) if e.get("previous_signed") else "")
    if was:
        parts.append(t("feed_was", lang).replace("{was}", was))
    return title, f"{title}; " + "; ".join(parts) + "."
