"""Why a landmark is linked as it is (stages/landmarks.py), in English and Spanish, defined once: the stage
phrases each reason in both languages from these templates, so a Spanish page never shows an English reason.

A reason is a list of parts, each a code and its values; the parts are joined with "; ".
"""

from __future__ import annotations

TEMPLATES: dict[str, dict[str, str]] = {
    "nonspecific": {
        "en": "an ICE office, program or 'general area' code, not a place or agency",
        "es": "una oficina, programa o código de «zona general» de ICE, no un lugar ni una agencia",
    },
    "federal": {
        "en": "a federal body or facility, or a private prison, not a 287(g) partner",
        "es": "un organismo o instalación federal, o una prisión privada, no un socio 287(g)",
    },
    "state_facility": {
        "en": "a state prison or department: linked only by our reviewed table",
        "es": "una prisión o departamento estatal: solo lo vincula nuestra tabla revisada",
    },
    "no_states": {
        "en": "no area of responsibility or state to look the name up in",
        "es": "no hay área de responsabilidad ni estado donde buscar el nombre",
    },
    "in_several": {
        "en": "{what} is in more than one of {where}: {hits}",
        "es": "{what} está en más de uno de {where}: {hits}",
    },
    "not_found": {"en": "names no county or city of {where}", "es": "no nombra ningún condado ni ciudad de {where}"},
    "placed": {
        "en": "{what} is in {state} ({fips}), the only one among {where}",
        "es": "{what} está en {state} ({fips}), el único entre {where}",
    },
    "placed_state": {
        "en": "{what} is in {state} only among {where}, but in more than one county",
        "es": "{what} está solo en {state} entre {where}, pero en más de un condado",
    },
    "not_sheriffs": {
        "en": "in {state} county jails are run by {body}, not sheriffs",
        "es": "en {state} las cárceles de condado las dirige {body}, no el sheriff",
    },
    "sheriff": {"en": "the jail is its sheriff's", "es": "la cárcel es de su oficina del sheriff"},
    "no_sheriff": {
        "en": "its sheriff is not in ICE's lists since 2021",
        "es": "su sheriff no figura en las listas de ICE desde 2021",
    },
    "two_sheriffs": {"en": "two sheriffs listed", "es": "figuran dos oficinas del sheriff"},
    "police": {"en": "{name} is of our record", "es": "{name} figura en nuestro registro"},
    "reviewed": {"en": "{en}", "es": "{es}"},
    "agency_absent": {
        "en": "its agency, {id}, is not in this record, so the place alone is linked",
        "es": "su agencia, {id}, no está en este registro, así que solo se vincula el lugar",
    },  # our reviewed table's own words, in both languages
}
# who runs county jails where sheriffs do not (the `body` of "not_sheriffs")
BODIES = {
    "prison_boards": {"en": "prison boards", "es": "juntas penitenciarias"},
    "county_jailers": {"en": "county jailers", "es": "carceleros de condado elegidos"},
    "the_state": {"en": "the state", "es": "el estado"},
}
LANGS = ("en", "es")


def phrase(parts: list[tuple[str, dict[str, str]]], lang: str) -> str:
    """The reason in one language."""
    out = []
    for code, values in parts:
        if code == "not_sheriffs":
            values = {**values, "body": BODIES[values["body"]][lang]}
        out.append(TEMPLATES[code][lang].format(**values))
    return "; ".join(out)
