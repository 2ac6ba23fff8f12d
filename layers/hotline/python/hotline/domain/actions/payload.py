"""What every action's payload shares (SPEC §11 `POST /tickets/{id}/actions`).

Unknown fields are refused and strings stripped; each action declares its own model beside its
rows and effect. `hotline.domain.payloads` re-exports them all under their old names.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import to_json

from hotline.domain.errors import BadInput

Text = Field(min_length=2, max_length=4000)
Reason = Field(min_length=2, max_length=2000)


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Empty(Payload):
    pass


class Decision(Payload):
    """The center's answer to a unit's request: approve or not, always with a reason (R-SEC-3)."""

    approve: bool
    reason: str = Reason


# What staff call each field of a payload (the console's form labels, the refusals' wording):
# names, never codes, in what a person reads (issue 15.7).
FIELD_NAMES: dict[str, str] = {
    "reason": "理由", "note": "备注", "text": "内容", "plan": "计划", "guidance": "告知诉求人的指引",
    "desk": "转办部门", "lead_unit": "主办单位", "assist_units": "协办单位", "redispatch_to": "改派至",
    "to_unit": "经办单位", "to": "提请单位", "hand_down_to": "交由经办", "unit": "单位", "approve": "同意",
    "waive": "豁免（否则移除）", "days": "天数", "hours": "小时", "process": "办理过程", "result": "办理结果",
    "handled_at": "办理时间", "citizen_contacted": "已联系诉求人", "satisfaction": "满意度", "resolved": "问题已解决",
    "reasonable": "诉求合理", "comment": "回访记录", "review_on": "复核日期", "scope": "范围", "evidence": "证据材料",
    "category": "类别", "type": "诉求类型", "urgency": "紧急程度", "location": "地点", "district": "区县",
    "street": "街道", "address": "详细地址", "legal_limit": "法定时限", "working_days": "工作日",
    "basis": "法律依据", "public": "向市民公开", "level": "督办级别", "body": "转交机构", "consent": "诉求人已同意",
    "title": "名称", "outcome": "结果", "action": "操作", "warning_id": "预警编号", "deadline": "时限",
}  # fmt: skip
# What staff call the values of the payloads' choices
VALUE_NAMES: dict[str, str] = {
    "satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意", "urgent": "紧急",
    "normal": "一般", "very_urgent": "特急", "complaint": "投诉", "help": "求助", "suggestion": "建议",
    "consultation": "咨询", "report": "举报", "praise": "表扬",
}  # fmt: skip

M = TypeVar("M", bound=BaseModel)


def field_name(code: str) -> str:
    """办理过程（process）: the name staff read, with the code the API takes."""
    return f"{FIELD_NAMES[code]}（{code}）" if code in FIELD_NAMES else code


def parse_strictly(model: type[M], body: dict[str, Any], what: str, code: str) -> M:
    """Strict, as JSON reads (R-INT-9): `"3"` is not a number and `"yes"` not a boolean; dates and
    enum values come as their JSON strings. A refusal names the fields as staff call them."""
    try:
        return model.model_validate_json(to_json(body), strict=True)
    except ValidationError as exc:
        raise refusal(exc, what, code) from None


def refusal(exc: ValidationError, what: str, code: str) -> BadInput:
    """A model's refusal in staff's words: the fields by their names, the checks in `detail`."""
    problems = "; ".join(f"{'.'.join(str(x) for x in e['loc']) or code}: {e['msg']}" for e in exc.errors())
    fields = "、".join(sorted({field_name(str(e["loc"][0])) for e in exc.errors() if e["loc"]})) or what
    return BadInput(None, f"“{what}”的内容不完整或格式不对：{fields}", f"{code}: {problems}")
