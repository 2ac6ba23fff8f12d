"""Sends the citizen SMS that `notify` queued (R-DSP-13, R-SEC-2).

Each message is an `SmsRequest`: the notice with `{query_code}` still in it and the contact sealed
under the city's key. This function alone opens the contact here and publishes to the phone
number, the one `sns:Publish` AWS lets no policy scope; notify publishes to named topics only. A
message that fails is handed back (partial batch response), redelivered by the queue, and parked
in its dead-letter queue after five receives: delivery is at least once.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from hotline.adapters.notifier import SmsRequest
from hotline.app import notices
from hotline.observability import instrumented
from hotline.wiring import deps

processor = BatchProcessor(event_type=EventType.SQS)


def send(record: SQSRecord) -> None:
    request = SmsRequest.from_json(record.body)
    notices.send_sms(deps(), request.notice, request.sealed)


@instrumented()
def handler(event: dict[str, object], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=send, processor=processor, context=context)
