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
    answer = "answer"
    transfer = "transfer"
    refuse = "refuse"
    mark_duplicate = "mark_duplicate"
    # dispatch and the unit at work (R-DSP-1..12)
    dispatch = "dispatch"
    sign = "sign"
    request_return = "request_return"
    decide_return = "decide_return"
    request_extension = "request_extension"
    decide_extension = "decide_extension"
    submit_assist = "submit_assist"
    decide_assist = "decide_assist"
    reply = "reply"
    request_termination = "request_termination"
    decide_termination = "decide_termination"
    request_backlog = "request_backlog"
    refer_up = "refer_up"
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
