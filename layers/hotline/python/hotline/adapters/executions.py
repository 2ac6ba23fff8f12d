"""The order's Standard execution: started once per ticket, resumed when its phase ends (DESIGN §1)."""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from hotline.dal.errors import store_errors
from hotline.domain.errors import Conflict, NotFound
from hotline.domain.models import Ticket


class Executions:
    def __init__(self, state_machine_arn: str) -> None:
        self.state_machine_arn = state_machine_arn

    @cached_property
    def sfn(self) -> Any:
        import boto3

        return boto3.client("stepfunctions")

    def start(self, ticket: Ticket, name: str) -> bool:
        """Start the named execution at the order's status, or find it running (Step Functions makes
        a repeated start with the same name and input the same execution: a replayed stream record
        carries the same image); False when one of that name has ended."""
        start = {"ticket_id": ticket.ticket_id, "status": ticket.status.value}
        try:
            with store_errors(f"execution {name}"):
                self.sfn.start_execution(stateMachineArn=self.state_machine_arn, name=name, input=json.dumps(start))
        except Conflict:
            return False
        return True

    def resume(self, token: str, ticket: Ticket) -> bool:
        """Hand the parked execution the order's new status; False when nothing waits on the token."""
        try:
            with store_errors("task token"):
                self.sfn.send_task_success(
                    taskToken=token, output=json.dumps({"ticket_id": ticket.ticket_id, "status": ticket.status})
                )
        except NotFound:
            return False
        return True
