"""The lead's reply (R-DSP-8): when, what was done, the result and how the citizen was answered,
for all assisting units too (R-DSP-6). The unit's deadlines end and the callback window opens
(R-CB-1). A reply with no substance is refused; one the reviewer finds wanting before the
callback goes back to the unit on its old deadline (`return_reply`, issue 18.6)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import AwareDatetime, Field

from hotline.domain.actions import recipients as to
from hotline.domain.actions.common import deadlines_moved, nothing_pending
from hotline.domain.actions.declaration import WORKING, Action, Ctx, ToCitizen, ToUnits, row
from hotline.domain.actions.names import ActionName as A
from hotline.domain.actions.payload import Payload, Reason
from hotline.domain.errors import BadInput, RuleViolation
from hotline.domain.models import Reply, Role, Status, Ticket

if TYPE_CHECKING:
    from hotline.domain.lifecycle import Lifecycle

S, R = Status, Role
# Words that say something was done without saying what: alone, they are no reply (Tianjin Art.24(3)).
HOLLOW = frozenset(
    {"已处理", "已办理", "已解决", "已完成", "处理完毕", "办理完毕", "已办结", "已回复", "已答复", "已落实", "已整改",
     "已联系", "已核实", "已反馈", "好的", "收到", "知道了", "ok", "处理中", "正在处理", "已安排", "按规定处理"}
)  # fmt: skip
_NOT_WORDS = re.compile(r"[\s\W_]+")


def hollow(text: str) -> bool:
    """Nothing but a formula (已处理。/ 处理完毕！): what was done is missing."""
    return _NOT_WORDS.sub("", text).lower() in HOLLOW


class ReplyPayload(Payload):
    """R-DSP-8: time, what was done, the result, how the citizen was answered."""

    handled_at: AwareDatetime
    process: str = Field(min_length=4, max_length=4000)
    result: str = Field(min_length=2, max_length=4000)
    citizen_contacted: bool
    no_contact_reason: str | None = None


def assist_parts_in(lc: Lifecycle, c: Ctx[ReplyPayload]) -> None:
    missing = c.ticket.missing_parts
    if missing:
        raise RuleViolation(
            "assist_parts_missing",
            f"主办单位须汇总协办意见后答复，尚缺：{'、'.join(lc.unit_name(u) for u in missing)}"
            "（逾期未交的，可请中心豁免或移除协办单位，R-DSP-6）",
            f"the lead replies for all: waiting for the part of {', '.join(missing)} (R-DSP-6)",
        )


def reply_complete(lc: Lifecycle, c: Ctx[ReplyPayload]) -> None:
    pl, t = c.payload, c.ticket
    if pl.handled_at > c.now:
        raise BadInput("incomplete_reply", "办理时间不能晚于现在", "handled_at lies in the future")
    if t.dispatched_at and pl.handled_at < t.dispatched_at:
        raise BadInput(
            "incomplete_reply", "办理时间不能早于派单时间", "handled_at lies before the order was dispatched"
        )
    if hollow(pl.process):  # the result may be short (已修复); what was done may not be a formula
        raise BadInput(
            "incomplete_reply",
            "办理过程须写明做了什么（到场核查、联系了谁、采取了什么措施），不能只写“已处理”之类",
            "process must say what was done, not a formula such as 已处理 (Tianjin Art.24(3))",
        )
    if not pl.citizen_contacted and not pl.no_contact_reason:
        raise BadInput(
            "incomplete_reply",
            "请说明如何答复诉求人：已联系（citizen_contacted），或诉求人未留有效联系方式的原因（no_contact_reason）",
            "say how the citizen was answered: citizen_contacted, or no_contact_reason "
            "when the citizen left no valid contact (R-DSP-8)",
        )


def _reply(lc: Lifecycle, t: Ticket, c: Ctx[ReplyPayload]) -> dict[str, Any]:
    pl = c.payload
    t.reply = Reply(
        handled_at=pl.handled_at,
        process=pl.process,
        result=pl.result,
        citizen_contacted=pl.citizen_contacted,
        at=c.now,
        by=c.actor.id,
        due=t.deadlines.reply_by,
    )
    late = bool(t.deadlines.reply_by and c.now > t.deadlines.reply_by)
    t.deadlines.reply_by = t.deadlines.assist_by = t.deadlines.return_by = None
    t.deadlines.callback_by = lc.policy.add(c.now, lc.config.callback.window)
    deadlines_moved(t)
    return {"late": late, "citizen_contacted": pl.citizen_contacted}


class ReturnReply(Payload):
    reason: str = Reason


def before_callback(lc: Lifecycle, c: Ctx[ReturnReply]) -> None:
    """Sent back before anyone rated it: after a rating the callback decides (R-CB-3)."""
    if c.ticket.rated_since_reply:
        raise RuleViolation(
            "already_rated",
            "诉求人已评价，答复不能再退回，请按回访结果处理",
            "the reply was rated: the callback decides",
        )


def _return_reply(lc: Lifecycle, t: Ticket, c: Ctx[ReturnReply]) -> dict[str, Any]:
    """The unit replies again, on the deadline the reply met (a passed one is overdue at once)."""
    assert t.reply is not None
    returned = {"result": t.reply.result, "process": t.reply.process, "at": t.reply.at.isoformat()}
    t.deadlines.reply_by = t.reply.due or c.now
    t.reply, t.deadlines.callback_by = None, None
    deadlines_moved(t)
    return {"reason": c.payload.reason, "returned": returned, "reply_by": t.deadlines.reply_by.isoformat()}


ACTIONS = (
    Action(
        A.return_reply,
        ReturnReply,
        (row({S.replied}, S.in_progress, {R.reviewer}, guards=(before_callback,)),),
        _return_reply,
        units={
            None: ToUnits(
                "reply_returned", to.lead, "答复被退回 {id}", "答复经中心审核被退回，请重新办理并答复：{reason}"
            )
        },
    ),
    Action(
        A.reply,
        ReplyPayload,
        (
            row(
                WORKING | {S.backlogged},
                S.replied,
                {R.unit},
                party="handler",  # the lead, or the unit it handed the work down to (R-UNIT-2)
                guards=(nothing_pending, assist_parts_in, reply_complete),
            ),
        ),
        _reply,
        units={
            None: ToUnits("replied", to.lead_unless_actor, "经办答复 {id}", "经办单位{actor}已答复市民，请跟进回访结果")
        },
        # {ask}: how to rate by answering the SMS (`sms.ASK`, R-CB-1), filled in by `notices`
        citizen={None: ToCitizen("replied", "【12345】您的诉求 {id} 已办结：{result}。{ask}。")},
    ),
)
