"""Telling people what happened to orders (R-DSP-13): each event the stream delivers → notices to
units, the center and the desks, a citizen's SMS queued sealed (R-SEC-2) and then sent; (the KB's
reviews are app/knowledge.py's)."""

from __future__ import annotations

from dataclasses import replace

from hotline.app.ports import Deps
from hotline.domain.models import Event, Ticket
from hotline.domain.notices import (
    CALLER_PHONE,
    CitizenNotice,
    DeskNotice,
    center_notices,
    citizen_notices,
    desk_notices,
    notices_for,
)
from hotline.observability import count, logger

NO_PHONE = "未留电话"


def notify(deps: Deps, event: Event, ticket: Ticket | None = None) -> None:
    """The notices one event of a ticket causes, rendered against `ticket` as that write left it
    (the stream's image; read when not given); delivery is at least once (the stream retries)."""
    ticket = ticket or deps.tickets.get(event.ticket_id)
    notices = notices_for(deps.config, ticket, event)
    for notice in notices:
        deps.notifier.to_unit(notice)
    for center in center_notices(deps.config, ticket, event):  # the center's own clock (R-DSP-2, R-DSP-6)
        deps.notifier.to_center(center)
        count("CenterNotices")
    for desk in with_caller_phone(deps, ticket, desk_notices(deps.config, ticket, event)):
        deps.notifier.to_desk(desk)
        count("EmergencyTransfers")
    sealed = ticket.citizen_sealed
    if sealed:  # no SMS when no contact was left
        for sms in citizen_notices(deps.config, ticket, event):
            deps.citizen_sms.request(sms, sealed)  # the sms function opens the contact and sends
            count("CitizenSmsQueued")
    if notices:
        count("NoticesSent", len(notices))
        logger.info("notices sent", extra={"ticket_id": event.ticket_id, "action": event.action, "count": len(notices)})


def with_caller_phone(deps: Deps, ticket: Ticket, desks: list[DeskNotice]) -> list[DeskNotice]:
    """R-INT-4: an emergency desk calls the citizen back, so its notice names the caller's phone
    (`{caller_phone}`; 未留电话 when none was left). The contact is opened only when a notice asks."""
    if not any(CALLER_PHONE in d.text for d in desks):
        return desks
    phone = ""
    if ticket.citizen_sealed:
        phone = deps.vault.open(ticket.request_id, ticket.citizen_sealed).get("phone", "")
    for desk in desks:  # the phone itself is never logged
        disclosed = {"ticket_id": ticket.ticket_id, "desk": desk.desk, "had_phone": bool(phone)}
        logger.info("caller phone disclosed to the desk (R-INT-4)", extra=disclosed)
    return [replace(d, text=d.text.replace(CALLER_PHONE, phone or NO_PHONE)) for d in desks]


def send_sms(deps: Deps, notice: CitizenNotice, sealed: str) -> None:
    """Open the contact and text the citizen; only this step ever sees the phone (R-SEC-2)."""
    contact = deps.vault.open(notice.request_id, sealed)
    phone = contact.get("phone", "")
    if not phone:  # a contact without a phone: nothing to text
        logger.info("no phone to text", extra={"ticket_id": notice.ticket_id, "kind": notice.kind})
        return
    text = notice.text.replace("{query_code}", contact.get("query_code", ""))
    deps.notifier.to_citizen(phone, replace(notice, text=text))
    count("CitizenSms")
    logger.info("citizen sms sent", extra={"ticket_id": notice.ticket_id, "kind": notice.kind})
