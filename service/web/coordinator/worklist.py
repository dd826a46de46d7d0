"""Werkvoorraad: the coordinator's queue by state, with counts per tab, filters and deadline warnings."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from service.web.i18n import N_
from service.web.listing import Paging, csv_download, query_prefix
from service.web.pages import CoordinatorPage
from service.web.words import DWELLING_STATUS
from service.workflow.worklist import Filters, Tab, work_list

router = APIRouter()

TAB_LABELS = {
    Tab.to_review: N_("Te beoordelen"),
    Tab.with_corporation: N_("Bij de corporatie"),
    Tab.offer_running: N_("Aanbod loopt"),
    Tab.overdue: N_("Verlopen"),
    Tab.without_candidates: N_("Zonder kandidaten"),
    Tab.let: N_("Verhuurd"),
}


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


@router.get("/werkvoorraad")
def worklist_page(page: CoordinatorPage, tab: Tab = Tab.to_review, regio: str | None = None,
                  gemeente: str | None = None, corporatie: str | None = None,
                  pagina: Annotated[int | None, Query(ge=1)] = None, formaat: str | None = None) -> Response:
    """The queue: one tab at a time, filtered by region, municipality and corporation; `formaat=csv` downloads."""
    filters = Filters(region=regio or None, municipality=gemeente or None, corporation_id=_uuid_or_none(corporatie))
    paging = Paging.of(pagina)
    csv_wanted = formaat == "csv"
    found = work_list(session=page.session, org=page.organisation, tab=tab, filters=filters,
                      limit=10_000 if csv_wanted else paging.limit, offset=0 if csv_wanted else paging.offset)
    _ = page._
    if csv_wanted:
        return csv_download(f"werkvoorraad-{tab.value}.csv",
                            [_("Adres"), _("Gemeente"), _("Corporatie"), _("Status"), _("Aangeboden op"),
                             _("Termijn"), _("Passende kandidaten")],
                            [[i.address, i.municipality_name, i.corporation_name, _(DWELLING_STATUS[i.status.value]),
                              i.offered_at.date().isoformat(), i.due_at.date().isoformat() if i.due_at else "",
                              "" if i.eligible_count is None else i.eligible_count] for i in found.items])
    filter_query = query_prefix(regio=filters.region, gemeente=filters.municipality,
                                corporatie=filters.corporation_id)
    return page.render("coordinator/worklist.html", found=found, tab=tab, tabs=list(Tab), tab_labels=TAB_LABELS,
                       status_labels=DWELLING_STATUS, filters=filters, paging=paging, filter_query=filter_query,
                       page_query=query_prefix(tab=tab.value, regio=filters.region, gemeente=filters.municipality,
                                               corporatie=filters.corporation_id))
