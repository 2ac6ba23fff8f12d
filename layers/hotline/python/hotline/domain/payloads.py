"""What each action carries (SPEC §11 `POST /tickets/{id}/actions`). Unknown fields are refused.

Each model is declared with its action (`domain/actions/`, issue 16); this module keeps the
names callers import and `PAYLOADS`, action → model, read off the declarations.
"""

from __future__ import annotations

from hotline.domain.actions import ALL
from hotline.domain.actions.archive import Archive
from hotline.domain.actions.assists import DecideAssist, SubmitAssist
from hotline.domain.actions.backlog import RequestBacklog
from hotline.domain.actions.callback import AutoClose, Rate, RecordCallback
from hotline.domain.actions.dispatch import Dispatch
from hotline.domain.actions.exemption import RequestExemption
from hotline.domain.actions.extensions import RequestExtension
from hotline.domain.actions.intake import Answer, MarkDuplicate, Refuse, Transfer
from hotline.domain.actions.payload import Decision, Empty, Payload, Reason, Text
from hotline.domain.actions.reply import ReplyPayload
from hotline.domain.actions.returns import DecideReturn, RequestReturn
from hotline.domain.actions.supervision import NoteHotspot, NoteRepeat, Supervise
from hotline.domain.actions.termination import RequestTermination
from hotline.domain.actions.timer_fires import Deadline, Escalate, TimerFire
from hotline.domain.actions.units import ReferUp

PAYLOADS: dict[str, type[Payload]] = {a.name.value: a.payload for a in ALL}

__all__ = [
    "PAYLOADS",
    "Answer",
    "Archive",
    "AutoClose",
    "Deadline",
    "DecideAssist",
    "DecideReturn",
    "Decision",
    "Dispatch",
    "Empty",
    "Escalate",
    "MarkDuplicate",
    "NoteHotspot",
    "NoteRepeat",
    "Payload",
    "Rate",
    "Reason",
    "RecordCallback",
    "ReferUp",
    "Refuse",
    "ReplyPayload",
    "RequestBacklog",
    "RequestExemption",
    "RequestExtension",
    "RequestReturn",
    "RequestTermination",
    "SubmitAssist",
    "Supervise",
    "Text",
    "TimerFire",
    "Transfer",
]
