"""Sends the citizen SMS that `notify` queued (R-DSP-13, R-SEC-2).

Each message is an `SmsRequest`: the notice with `{query_code}` still in it and the contact sealed
under the city's key. This function alone opens the contact here and publishes to the phone
number, the one `sns:Publish` AWS lets no policy scope; notify publishes to named topics only. A
message that fails is handed back (partial batch response), redelivered by the queue, and parked
in its dead-letter queue after five receives: delivery is at least once.
"""

from __future__ import annotations

import os
from dataclasses import replace
from functools import cache

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from hotline.adapters.notifier import SmsRequest, notifier
from hotline.adapters.vault import Vault

logger = Logger()
metrics = Metrics(namespace="Hotline12345")
processor = BatchProcessor(event_type=EventType.SQS)


@cache
def vault() -> Vault:
    key = os.environ.get("CITY_KEY_ARN")
    if not key:
        raise RuntimeError("CITY_KEY_ARN is not set: the stack passes the city's KMS key to every function")
    return Vault(key, os.environ["HOTLINE_CITY"])


def send(record: SQSRecord) -> None:
    request = SmsRequest.from_json(record.body)
    notice = request.notice
    contact = vault().open(notice.request_id, request.sealed)
    phone = contact.get("phone", "")
    if not phone:  # a contact without a phone: nothing to text
        logger.info("no phone to text", extra={"ticket_id": notice.ticket_id, "kind": notice.kind})
        return
    text = notice.text.replace("{query_code}", contact.get("query_code", ""))
    notifier().to_citizen(phone, replace(notice, text=text))
    metrics.add_metric(name="CitizenSms", unit=MetricUnit.Count, value=1)
    logger.info("citizen sms sent", extra={"ticket_id": notice.ticket_id, "kind": notice.kind})


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, object], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=send, processor=processor, context=context)
