"""The passport validity table's admin page (issue 17 leftover, s4-plan: CLI only until
now): admins see the table with each row's source and who overrode it when, override a
country and revert it through the same domain actions and audit as ``movements
validity``; every refusal names the field, in Dutch too, and writes nothing (rows and
audit entries); other roles are refused.  Both backends."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from movements.domain import entry_validity
from movements.domain.models import AuditEntry
from movements.domain.planning_models import EntryValidityRule
from tests.web.conftest import Site
from tests.web.test_admin import Desk, desk

PAGE = "/admin/validity"


def _row(html: str, code: str) -> str:
    found = re.search(rf'<tr id="validity-{code}"[^>]*>(.*?)</tr>', html, re.S)
    assert found, code
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


def _message(html: str) -> str:
    found = re.search(r'id="admin-message">([^<]*)<', html)
    assert found, html[:2000]
    return html_lib.unescape(found.group(1))


def _written(d: Desk) -> tuple[int, int]:
    """(administrators' rows, their audit entries)."""
    def q(s: Session) -> tuple[int, int]:
        return (int(s.scalar(select(func.count()).select_from(EntryValidityRule)) or 0),
                int(s.scalar(select(func.count()).select_from(AuditEntry).where(
                    AuditEntry.entity == "entry_validity_rule")) or 0))
    return d.read(q)


def test_admin_overrides_a_country_and_reverts_it(site: Site) -> None:
    with desk(site) as d:
        client = d.sign_in("admin")
        csrf = d.csrf("admin")
        page = client.get(PAGE)
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        packaged = entry_validity.packaged()
        assert len(re.findall(r'<tr id="validity-', page.text)) == len(packaged)
        some = sorted(packaged)[0]
        assert str(packaged[some].months) in _row(page.text, some)
        assert "packaged" in _row(page.text, some)

        # Override Albania (not packaged) by alpha-3 code, with a source.
        resp = client.post(PAGE, data={"_csrf": csrf, "country": "alb", "months": " 3 ",
                                       "source": "Embassy of Albania, The Hague, 2026-10-02"},
                           follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"] == f"{PAGE}?set=AL"
        after = client.get(resp.headers["location"]).text
        assert _message(after) == ("Albania (AL): travel document valid 3 months after "
                                   "travel (Embassy of Albania, The Hague, 2026-10-02).")
        row = _row(after, "AL")
        assert "Albania (AL) 3 (not in the packaged table)" in row
        assert "admin" in row and "2026-09-15" in row  # who and when (local time)
        assert d.read(lambda s: entry_validity.rules(s)["AL"].months) == 3
        (entry,) = d.audit_rows("set_entry_validity")
        assert entry.username == "admin" and entry.detail == "AL"
        assert entry.before == {"months": 0}
        assert entry.after == {"months": 3,
                               "source": "Embassy of Albania, The Hague, 2026-10-02"}

        # A packaged country set to 0: listed (it removes the packaged rule).
        client.post(PAGE, data={"_csrf": csrf, "country": some, "months": "0",
                                "source": "checked with the carrier"})
        assert f"0 (packaged: {packaged[some].months})" in _row(client.get(PAGE).text, some)
        assert some not in d.read(entry_validity.rules)

        # Revert both: the packaged table applies again; Albania leaves the table.
        for code in ("AL", some):
            resp = client.post(f"{PAGE}/revert", data={"_csrf": csrf, "country": code},
                               follow_redirects=False)
            assert resp.status_code == 303
        final = client.get(resp.headers["location"]).text
        assert "the packaged table applies again" in _message(final)
        assert 'id="validity-AL"' not in final
        assert "packaged" in _row(final, some)
        assert d.read(entry_validity.rules)[some].months == packaged[some].months
        assert [e.detail for e in d.audit_rows("clear_entry_validity")] == ["AL", some]
        assert _written(d) == (0, 4)


BAD: list[tuple[dict[str, str], str, str]] = [
    ({"country": "Atlantis", "months": "6", "source": "x"}, "country",
     "country 'Atlantis' is not an ISO 3166 country"),
    ({"country": "IQ", "months": "six", "source": "x"}, "months",
     "Months 'six': expected a whole number from 0 to 24"),
    ({"country": "IQ", "months": "25", "source": "x"}, "months", "months 25: expected 0 to 24"),
    ({"country": "IQ", "months": "-1", "source": "x"}, "months", "months -1: expected 0 to 24"),
    ({"country": "IQ", "months": "6", "source": "  "}, "source", "source is required"),
    ({"country": "IQ", "months": "6", "source": "s" * 301}, "source",
     "source is longer than 300 characters"),
    ({"country": "IQ", "months": "", "source": "x"}, "months", "Months '': expected"),
]


def test_refusals_name_the_field_and_write_nothing(site: Site) -> None:
    with desk(site) as d:
        client = d.sign_in("admin")
        csrf = d.csrf("admin")
        for data, field, said in BAD:
            resp = client.post(PAGE, data={"_csrf": csrf, **data})
            assert resp.status_code == 422, (data, resp.status_code)
            assert said in _message(resp.text), (data, _message(resp.text))
            assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', resp.text), field
            assert f'value="{data["country"]}"' in resp.text  # what was typed stays
        resp = client.post(f"{PAGE}/revert", data={"_csrf": csrf, "country": "IQ"})
        assert resp.status_code == 422
        assert "IQ has no edited entry" in _message(resp.text)
        resp = client.post(f"{PAGE}/revert", data={"_csrf": csrf, "country": "Atlantis"})
        assert resp.status_code == 422 and "Atlantis" in _message(resp.text)
        assert _written(d) == (0, 0)


def test_the_page_in_dutch(site: Site) -> None:
    with desk(site) as d:
        client = d.sign_in("admin")
        csrf = d.csrf("admin")
        client.post("/account/language", data={"_csrf": csrf, "locale": "nl"})
        page = client.get(PAGE).text
        assert "Paspoortgeldigheid" in page and "Een land aanpassen" in page
        resp = client.post(PAGE, data={"_csrf": csrf, "country": "IQ", "months": "zes",
                                       "source": "x"})
        assert resp.status_code == 422
        assert _message(resp.text).startswith("Niet gewijzigd: Maanden 'zes': verwacht een "
                                              "heel getal van 0 tot 24")
        # The domain's refusals (phrases) read Dutch too.
        resp = client.post(PAGE, data={"_csrf": csrf, "country": "IQ", "months": "25",
                                       "source": "x"})
        assert resp.status_code == 422
        assert _message(resp.text) == ("Niet gewijzigd: maanden 25: 0 tot 24 verwacht "
                                       "(0 verwijdert de regel)")
        resp = client.post(f"{PAGE}/revert", data={"_csrf": csrf, "country": "Atlantis"})
        assert resp.status_code == 422
        said = _message(resp.text)
        assert said.startswith("Niet teruggezet: ") and "'Atlantis'" in said
        assert "is not" not in said
        resp = client.post(PAGE, data={"_csrf": csrf, "country": "AL", "months": "3",
                                       "source": "ambassade"}, follow_redirects=False)
        done = client.get(resp.headers["location"]).text
        assert _message(done) == ("Albanië (AL): reisdocument moet 3 maanden na de reis "
                                  "geldig zijn (ambassade).")
        assert _written(d) == (1, 1)


def test_other_roles_are_refused(site: Site) -> None:
    with desk(site) as d:
        for username in ("gate", "coord", "reception", "manager"):
            client = d.sign_in(username)
            csrf = d.csrf(username)
            got: list[Any] = [client.get(PAGE).status_code,
                              client.post(PAGE, data={"_csrf": csrf, "country": "IQ",
                                                      "months": "6", "source": "x"}).status_code,
                              client.post(f"{PAGE}/revert",
                                          data={"_csrf": csrf, "country": "IQ"}).status_code]
            assert got == [403, 403, 403], username
        assert _written(d) == (0, 0)
