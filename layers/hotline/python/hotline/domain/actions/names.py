"""The name of every action (SPEC §11 `action`, the event's `action`): one enum, so a typo in a
declaration or a test is an error at import rather than a row nobody can reach.

Callers still pass plain strings: `ActionName("sign")` is `ActionName.sign`, and a member equals
and hashes as its string, so sets and dicts keyed by the strings keep working.
"""

from __future__ import annotations

from enum import StrEnum


class ActionName(StrEnum):
    # intake outcomes (R-INT-3/4/6)
    accept = "accept"
    hold = "hold"
    answer = "answer"
    transfer = "transfer"
    refuse = "refuse"
    mark_duplicate = "mark_duplicate"
    hand_off = "hand_off"
    escalate_to_order = "escalate_to_order"
    # dispatch and the unit at work (R-DSP-1..12)
    dispatch = "dispatch"
    reclassify = "reclassify"
    redispatch = "redispatch"
    sign = "sign"
    request_return = "request_return"
    decide_return = "decide_return"
    request_extension = "request_extension"
    decide_extension = "decide_extension"
    submit_assist = "submit_assist"
    decide_assist = "decide_assist"
    reply = "reply"
    return_reply = "return_reply"
    request_termination = "request_termination"
    decide_termination = "decide_termination"
    request_backlog = "request_backlog"
    decide_backlog = "decide_backlog"
    # units together (R-UNIT-2..4)
    refer_up = "refer_up"
    hand_down = "hand_down"
    coordinate = "coordinate"
    answer_referral = "answer_referral"
    report_progress = "report_progress"
    raise_risk = "raise_risk"
    # callback (R-CB-1..4)
    rate = "rate"
    record_callback = "record_callback"
    auto_close = "auto_close"
    request_exemption = "request_exemption"
    decide_exemption = "decide_exemption"
    # supervision and time (R-TMR-1..3)
    supervise = "supervise"
    note_repeat = "note_repeat"
    note_hotspot = "note_hotspot"
    remind = "remind"
    mark_overdue = "mark_overdue"
    escalate = "escalate"
    # archive (R-CB-5)
    archive = "archive"


# What staff call each action, for messages they read (issue 15.7): names, never codes.
LABELS: dict[ActionName, str] = {
    ActionName.accept: "受理",
    ActionName.hold: "转人工研判",
    ActionName.answer: "即时解答",
    ActionName.transfer: "转办紧急事项",
    ActionName.refuse: "不予受理",
    ActionName.mark_duplicate: "标记重复诉求",
    ActionName.hand_off: "转交其他机构",
    ActionName.escalate_to_order: "解答未解决，转为工单",
    ActionName.dispatch: "派单",
    ActionName.reclassify: "更正工单信息",
    ActionName.redispatch: "改派",
    ActionName.sign: "签收",
    ActionName.request_return: "申请退单",
    ActionName.decide_return: "审核退单",
    ActionName.request_extension: "申请延期",
    ActionName.decide_extension: "审核延期",
    ActionName.submit_assist: "提交协办意见",
    ActionName.decide_assist: "调整协办",
    ActionName.return_reply: "退回答复",
    ActionName.reply: "办结答复",
    ActionName.request_termination: "申请终止办理",
    ActionName.decide_termination: "审核终止办理",
    ActionName.decide_backlog: "审核挂账",
    ActionName.request_backlog: "申请挂账",
    ActionName.refer_up: "提请上级协调",
    ActionName.hand_down: "交下级经办",
    ActionName.coordinate: "协调办理",
    ActionName.answer_referral: "答复协调请求",
    ActionName.report_progress: "报告办理进展",
    ActionName.raise_risk: "报告风险隐患",
    ActionName.rate: "评价",
    ActionName.record_callback: "记录回访",
    ActionName.auto_close: "视为基本满意办结",
    ActionName.request_exemption: "申请免责",
    ActionName.decide_exemption: "审核免责",
    ActionName.supervise: "督办",
    ActionName.note_repeat: "记录重复反映",
    ActionName.note_hotspot: "记录多人反映",
    ActionName.remind: "提醒",
    ActionName.mark_overdue: "标记超期",
    ActionName.escalate: "督办升级",
    ActionName.archive: "归档",
}


def label(action: str) -> str:
    """The action as staff say it (签收, 申请延期); an unknown name stays as it was sent."""
    try:
        return LABELS[ActionName(action)]
    except ValueError:
        return action
