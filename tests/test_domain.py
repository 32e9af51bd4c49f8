"""Normalisation rules, tested on the values the real sheets carry."""

import datetime as dt

import pytest

from open287g.domain import links, vocab
from open287g.domain.dates import parse_signed
from open287g.domain.text import clean, clean_name, fold


@pytest.mark.parametrize(
    "raw, code",
    [
        ("TEXAS", "TX"),
        ("TEXAS ", "TX"),
        ("Texas", "TX"),
        ("PENNSLYVANIA", "PA"),
        ("WEST VIRIGINIA", "WV"),
        ("WEST VIRIGINA", "WV"),
        ("WESt VIRGINIA", "WV"),
        ("MCHIGAN", "MI"),
        ("UTAHJ", "UT"),
        ("UTAh", "UT"),
        ("AlABAMA", "AL"),
        ("GUAM", "GU"),
        ("NORTHERN MARIANA ISLANDS", "MP"),
        ("NEW\u00a0YORK", "NY"),
        ("tx", "TX"),
    ],
)
def test_state_codes_cover_every_spelling_in_the_sheets(raw, code):
    assert vocab.state_code(raw) == code


def test_unknown_state_is_not_guessed():
    assert vocab.state_code("TEXASS") is None
    assert vocab.state_code("") is None


@pytest.mark.parametrize(
    "raw, model",
    [
        ("Jail Enforcement Model", "JEM"),
        ("Jail Enforcement Model ", "JEM"),
        ("Jail Enforcment Model ", "JEM"),
        ("Task Force Model", "TFM"),
        ("Task Force Officer ", "TFM"),
        ("Warrant Service Officer", "WSO"),
        ("Warrant Services Officer", "WSO"),
        ("Warrant Service Office", "WSO"),
        ("Warrant Services Officer ", "WSO"),
    ],
)
def test_models(raw, model):
    assert vocab.model_code(raw) == model


def test_blank_model_is_none():
    assert vocab.model_code("") is None


@pytest.mark.parametrize(
    "raw, kind",
    [
        ("County", "county"),
        ("County ", "county"),
        ("Municipality", "municipal"),
        ("Muncipality ", "municipal"),
        ("Municipal", "municipal"),
        ("State Agency", "state"),
        ("State", "state"),
        ("#NA", None),
    ],
)
def test_agency_types(raw, kind):
    assert vocab.agency_type(raw) == kind


def test_missing_markers():
    assert vocab.is_missing("#NA") and vocab.is_missing(" ") and not vocab.is_missing("Polk County")


@pytest.mark.parametrize(
    "raw, rule",
    [
        (None, "absent"),
        ("County", "table"),
        (" muncipality ", "table"),
        ("N/A\u00a0", "missing"),
        ("#N/A", "missing"),
        ("", "missing"),
        ("Tribal Nation", "unmapped"),
    ],
)
def test_how_type_was_read(raw, rule):
    """The QA check for unmapped TYPE values relies on this: a marker of a missing value is never unmapped."""
    from open287g.stages.rows import _type_rule

    assert _type_rule(raw) == rule


def test_every_rule_row_has_a_reason():
    for name in ("state_variants.csv", "models.csv", "agency_types.csv"):
        rows = vocab.data_rows(name)
        assert rows and all(r["reason"].strip() for r in rows), name


def test_text_cleaning():
    assert clean("Power County Sheriff\u2019s Office ") == "Power County Sheriff's Office"
    assert clean("link\u00a0|\u00a0addendum") == "link | addendum"
    assert clean_name(" Florida Department of Financial Services , Criminal Investigation Division,") == (
        "Florida Department of Financial Services, Criminal Investigation Division"
    )
    assert fold("Smith County Sheriff\u2019s Office") == fold("SMITH COUNTY SHERIFF'S OFFICE")


@pytest.mark.parametrize(
    "raw, date, rule",
    [
        (dt.date(2025, 6, 25), dt.date(2025, 6, 25), "excel_date"),
        (dt.datetime(2025, 6, 25, 0, 0), dt.date(2025, 6, 25), "excel_date"),
        ("2020-06-09", dt.date(2020, 6, 9), "iso_text"),
        ("05/082025", dt.date(2025, 5, 8), "us_text_missing_slash"),
        ("7/72025", dt.date(2025, 7, 7), "us_text_missing_slash"),
        ("8/282025", dt.date(2025, 8, 28), "us_text_missing_slash"),
        ("3/7/2025", dt.date(2025, 3, 7), "us_text"),
        (45833.0, dt.date(2025, 6, 25), "excel_serial"),
        ("", None, "blank"),
        (None, None, "blank"),
        ("soon", None, "unparsed"),
        ("13/45/2025", None, "unparsed"),
    ],
)
def test_signed_dates(raw, date, rule):
    assert parse_signed(raw) == (date, rule)


@pytest.mark.parametrize(
    "target, url, fixes",
    [
        (
            "https://gcc02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.ice.gov%2Fdoclib%2F287gMOA%2F"
            "QuarryvillePoliceDeptPA_TFM_MOA_07072025.pdf&data=05%7C02%7Cx&sdata=abc&reserved=0",
            "https://www.ice.gov/doclib/287gMOA/QuarryvillePoliceDeptPA_TFM_MOA_07072025.pdf",
            ["safelinks"],
        ),
        (
            "chrome-extension://efaidnbmnnnibpcajpcglclefindmkaj/https:/www.ice.gov/doclib/287gMOA/UnivFLPDFL_TFM_MOA_041525.pdf",
            "https://www.ice.gov/doclib/287gMOA/UnivFLPDFL_TFM_MOA_041525.pdf",
            ["viewer_prefix", "scheme_slashes"],
        ),
        (
            "https:/www.ice.gov/doclib/287gMOA/CherokeePDAL_TFM_%20MOA_02142026.pdf",
            "https://www.ice.gov/doclib/287gMOA/CherokeePDAL_TFM_%20MOA_02142026.pdf",
            ["scheme_slashes"],
        ),
        (
            "http://www.ice.gov/doclib/287gMOA/DeafSmithCoTX_WSO_MOA_031725.pdf",
            "https://www.ice.gov/doclib/287gMOA/DeafSmithCoTX_WSO_MOA_031725.pdf",
            ["http_to_https"],
        ),
        (
            "https://web.archive.org/web/20250219163339/"
            "https://www.ice.gov/doclib/287gMOA/287gJEM_ etowahCoAL_06-09-2020.pdf",
            "https://www.ice.gov/doclib/287gMOA/287gJEM_%20etowahCoAL_06-09-2020.pdf",
            ["wayback", "spaces_encoded"],
        ),
        ("https://www.ice.gov/doclib/287gMOA/x.pdf", "https://www.ice.gov/doclib/287gMOA/x.pdf", []),
        (None, None, []),
    ],
)
def test_link_unwrapping(target, url, fixes):
    assert links.unwrap(target) == (url, fixes)


@pytest.mark.parametrize(
    "text, url, state",
    [
        ("link", "https://x", "link"),
        ("link pending ", None, "pending"),
        ("Link Pending", None, "pending"),
        ("link", None, "no_target"),
        ("", None, "empty"),
        ("Cons", None, "text"),
    ],
)
def test_link_state(text, url, state):
    assert links.link_state(text, url) == state
