"""Vastgelopen: the stuck cases of the coordinator's regions, longest wait first, each with the rule(s) that block
it alone and what lifting that rule alone would free; filtered by rule, and as CSV.

The rule labels are the office's words for the hard rules' codes; the cliëntdossier shows them too.
"""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

import matching
from service.stuck.board import NO_SINGLE_RULE, stuck_board
from service.web.i18n import N_
from service.web.listing import Paging, csv_download, query_prefix
from service.web.pages import CoordinatorPage
from service.web.rules import RULE_LABELS

router = APIRouter()

# The hard rules (product.md) by their stable codes, as a heading or a chip.
NO_SINGLE_RULE_LABEL = N_("Geen regel alleen")


@router.get("/vastgelopen")
def stuck_page(page: CoordinatorPage, regel: str | None = None,
               pagina: Annotated[int | None, Query(ge=1)] = None, formaat: str | None = None) -> Response:
    """The stuck cases, one rule at a time or all; `formaat=csv` downloads them (every read is audited)."""
    rule = regel if regel in matching.RULE_CODES or regel == NO_SINGLE_RULE else None
    paging = Paging.of(pagina)
    csv_wanted = formaat == "csv"
    board = stuck_board(session=page.session, org=page.organisation, rule=rule,
                        limit=None if csv_wanted else paging.limit, offset=0 if csv_wanted else paging.offset)
    _ = page._
    if csv_wanted:
        return csv_download(
            "vastgelopen.csv",
            [_("Referentie"), _("Zorgaanbieder"), _("Regio"), _("Wacht sinds"), _("Wachtdagen"), _("Open woningen"),
             _("Passend"), _("Blokkeert alleen"), _("Opgeheven door ontheffing"), _("Urgent")],
            [[c.client_ref, c.care_provider_name, c.region_code or "", c.waiting_since.date().isoformat(),
              c.waiting_days, c.open_dwellings, c.eligible,
              " | ".join(f"{_(RULE_LABELS[b.code])}: {b.eligible_without}" for b in c.blockers),
              " | ".join(_(RULE_LABELS[code]) for code in c.exempt_rules), _("ja") if c.urgent else _("nee")]
             for c in board.items])
    return page.render("coordinator/stuck.html", board=board, rule=rule, paging=paging, rules=matching.RULE_CODES,
                       no_single_rule=NO_SINGLE_RULE,
                       no_single_rule_label=NO_SINGLE_RULE_LABEL, page_query=query_prefix(regel=rule))
