"""DynamoDB items (pynamodb). One table: a ticket and its events share a partition (R-SEC-3).

    pk = TICKET#<id>   sk = META            the ticket (truth; optimistic lock on `version`)
    pk = TICKET#<id>   sk = EVENT#<seq>     append-only events, one per transition
    pk = TICKET#<id>   sk = WAIT            the task token of the execution parked on it
    pk = CALLER#<hash> sk = META            a caller's strikes and suspension (R-INT-8)
    pk = KB#<entry>    sk = <yyyy-mm>       hits of a knowledge entry that month (R-KB-3)
    pk = KBMISS#<yyyy-mm> sk = <query hash> a question the KB could not answer, and how often
    pk = KBENTRY       sk = <entry id> | #REVISION   a knowledge entry's head; what answers (R-KB-4)
    pk = KBENTRY#<id>  sk = V#<n>       each version of it as proposed, and its decision
    pk = HOT#<district>#<street>#<category> sk = <local date>   distinct citizens that day (R-TMR-3)
    pk = QUEUE#<queue> sk = <due, UTC>#<id>  an order in a center queue, with its row (R-DESK-1)
    pk = INBOX#<unit>  sk = <due, UTC>#<id>  an open order the unit has a part in, with its row
                                             and `status` (R-UNIT-1); the same under
                                             INBOX#<unit>#<part> for each part; all of them written
                                             in the order's own transaction
    pk = O311#<yyyy-mm> sk = <filed, UTC>#<id>   an order as Open311 lists it (R-O311-1), in the
                                             month it was filed; `status` open|closed, `code`
    pk = O311UPD#<yyyy-mm> sk = <at, UTC>#<id>#<seq>   a change of its Open311 state (FixMyStreet)
GSI (sparse, no Scan anywhere):
    citizen  gsi2pk = CITIZEN#<keyed hash>  gsi2sk = <created_at>#<id>                 (R-INT-4 duplicates)
The table name is bound at run time (`bind`), never read from the environment at import.
"""

from __future__ import annotations

from pynamodb.attributes import (
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

CITIZEN_INDEX = "citizen"


class CitizenIndex(GlobalSecondaryIndex["TicketItem"]):
    class Meta:
        index_name = CITIZEN_INDEX
        projection = AllProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class KeyedModel(Model):
    """String `pk`/`sk`, on-demand billing; which table is bound at run time (`bind_items`)."""

    class Meta:
        table_name = "unbound"
        billing_mode = "PAY_PER_REQUEST"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class _Base(KeyedModel):
    class Meta(KeyedModel.Meta):
        pass


class TicketItem(_Base):
    class Meta(_Base.Meta):
        pass

    status = UnicodeAttribute()
    data = JSONAttribute()
    version = NumberAttribute()  # optimistic lock: every write conditions on the version it read
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)  # TTL once archived (R-CB-5)
    # the events this write added, for the stream's readers (notify renders from the image, issue 24)
    recent = JSONAttribute(null=True)
    citizen = CitizenIndex()


class QueueItem(_Base):
    """One order on one list — a center queue (R-DESK-1) or a unit's inbox (R-UNIT-1): a page is
    one Query of its partition; an inbox page may narrow by the order's `status`."""

    class Meta(_Base.Meta):
        pass

    data = JSONAttribute()
    status = UnicodeAttribute(null=True)
    code = UnicodeAttribute(null=True)  # the order's category: Open311's `service_code` filter
    expires_at = NumberAttribute(null=True)  # with the order's own TTL once archived


class EventItem(_Base):
    class Meta(_Base.Meta):
        pass

    data = JSONAttribute()


class HistoryItem(_Base):
    """A ticket's META or one of its events, as one Query of the partition reads them."""

    class Meta(_Base.Meta):
        pass

    data = JSONAttribute()
    version = NumberAttribute(null=True)  # the META's


class CallerItem(_Base):
    class Meta(_Base.Meta):
        pass

    data = JSONAttribute()
    version = NumberAttribute()


class KnowledgeStatItem(_Base):
    class Meta(_Base.Meta):
        pass

    tally = NumberAttribute(default=0)
    unhelpful = NumberAttribute(null=True)  # answers escalated as not helping (R-TRI-5)
    unit = UnicodeAttribute(null=True)  # an unanswered question's nearest entry's unit (R-KB-4)
    question = UnicodeAttribute(null=True)  # the unanswered question, digits masked
    last_at = UnicodeAttribute(null=True)


class HotspotItem(_Base):
    class Meta(_Base.Meta):
        pass

    citizens = UnicodeSetAttribute(null=True)  # keyed phone hashes: distinct people, not repeats
    expires_at = NumberAttribute(null=True)  # TTL: a day's count matters for that day only


class KbItem(_Base):
    """A knowledge entry's head or version, or the KB's revision counter (dal/kb.py, R-KB-4)."""

    class Meta(_Base.Meta):
        pass

    data = JSONAttribute(null=True)
    version = NumberAttribute(null=True)
    revision = NumberAttribute(null=True)
    unit = UnicodeAttribute(null=True)


class WaitItem(_Base):
    class Meta(_Base.Meta):
        pass

    token = UnicodeAttribute()
    phase = UnicodeAttribute()
    version = NumberAttribute()  # the ticket version the execution saw when it parked (no lock)


ITEMS: tuple[type[Model], ...] = (
    TicketItem,
    EventItem,
    HistoryItem,
    QueueItem,
    CallerItem,
    KnowledgeStatItem,
    WaitItem,
    HotspotItem,
    KbItem,
)


def bind(table_name: str, region: str | None = None, host: str | None = None) -> None:
    """Point every item class at the city's table (called once by the adapter factory)."""
    bind_items(ITEMS, table_name, region, host)


def bind_items(items: tuple[type[Model], ...], table_name: str, region: str | None, host: str | None) -> None:
    for cls in items:
        cls.Meta.table_name = table_name
        if region:
            cls.Meta.region = region
        cls.Meta.host = host
        cls._connection = None
