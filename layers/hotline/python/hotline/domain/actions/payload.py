"""What every action's payload shares (SPEC §11 `POST /tickets/{id}/actions`).

Unknown fields are refused and strings stripped; each action declares its own model beside its
rows and effect. `hotline.domain.payloads` re-exports them all under their old names.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

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
