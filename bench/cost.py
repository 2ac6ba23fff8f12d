"""What one order costs on AWS, priced from the calls `bench/lifecycle.py` counts (docs/cost.md).

Pure arithmetic, no AWS and no moto: counted calls, invocations, durations and state transitions
go in; a bill per order comes out, one line per service, priced from the one table below. Free
tiers are left out of the bill (list prices); `yearly` applies the always-free tiers to a
month's volume and adds the fixed monthly costs. `python -m bench.cost` prints the worked
example of docs/cost.md; `make bench` prices the counts of a real run.

Every price names where it was read (the stored copy of the page, read 2026-12-02) and its
region; a number that could not be found says "assumed". China (Beijing cn-north-1, Ningxia
cn-northwest-1) is priced in CNY by Sinnet/NWCD under separate contracts; where a China price was
found it is the third field, else None.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, NamedTuple

Call = tuple[str, str, str]  # (caller function or "platform", botocore service, operation)


class Price(NamedTuple):
    usd: float  # us-east-1 list price per unit
    unit: str
    cny: float | None  # China (Beijing/Ningxia) list price per unit where found, else None


# fmt: off
PRICES: dict[str, Price] = {
    # API Gateway REST API, first 333M requests/month, us-east-1. docs.aws.amazon.com/whitepapers/latest/
    # best-practices-api-gateway-private-apis-integration/cost-optimization.html (Table 4);
    # aws.amazon.com/api-gateway/pricing/
    "apigw_request": Price(3.50 / 1e6, "request", None),
    # Lambda requests, us-east-1: $0.20 per 1M. aws.amazon.com/lambda/pricing/ (figures via
    # notes.kodekloud.com and cloudchipr.com/blog/aws-lambda-pricing; the AWS page renders its table by script)
    "lambda_request": Price(0.20 / 1e6, "request", None),
    # Lambda duration, x86_64, first 6B GB-s/month, us-east-1: $0.0000166667 per GB-s. Same sources; the INIT phase
    # is billed too since 2025-08-01 (aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/)
    "lambda_gb_s": Price(0.0000166667, "GB-second", None),
    # DynamoDB on-demand, Standard table class, us-east-1, after the 2024-11 cut: $0.625 per 1M WRU.
    # airbyte.com/data-engineering-resources/dynamodb-pricing (quotes aws.amazon.com/dynamodb/pricing/on-demand/).
    # China: ¥11.1538 per 1M write requests, amazonaws.cn/en/dynamodb/pricing/ (stored copy, may predate the cut)
    "ddb_wru": Price(0.625 / 1e6, "write request unit", 11.1538 / 1e6),
    # DynamoDB on-demand RRU, us-east-1: $0.125 per 1M. Same source. China: not found
    "ddb_rru": Price(0.125 / 1e6, "read request unit", None),
    # DynamoDB Streams GetRecords made by a Lambda trigger: free. docs.aws.amazon.com/amazondynamodb/latest/
    # developerguide/CostOptimization_StreamsUsage.html ("Read requests made by Lambda-based consumers ... are free")
    "ddb_stream_read": Price(0.0, "stream read by Lambda", 0.0),
    # DynamoDB storage, Standard, us-east-1: $0.25 per GB-month (first 25 GB free). gist.github.com/allenheltondev/
    # d028926b7fe3b0656c96af9140ab55e3 (AWS serverless cost breakdown); aws.amazon.com/dynamodb/pricing/
    "ddb_storage": Price(0.25, "GB-month", None),
    # DynamoDB point-in-time recovery, us-east-1: $0.20 per GB-month. Same gist
    "ddb_pitr": Price(0.20, "GB-month", None),
    # Step Functions Standard, us-east-1: $0.025 per 1,000 state transitions, 4,000 free/month.
    # aws.amazon.com/step-functions/pricing/ (regional table; only *StateEntered events count)
    "sfn_transition": Price(0.025 / 1000, "state transition", None),
    # EventBridge Scheduler, us-east-1: $1.00 per 1M scheduled invocations after 14M free/month.
    # cloudburn.io/blog/amazon-eventbridge-pricing; AWS price list: huggingface.co/datasets/labofsahil/
    # aws-pricing-dataset AWSEvents.csv ("$0 for the first 14 million scheduled invocations")
    "scheduler_invocation": Price(1.00 / 1e6, "scheduled invocation", None),
    # Scheduler Create/DeleteSchedule API calls: the pricing page bills invocations only; "creating and
    # storing schedules is included" (awsnegotiations.com/eventbridge-scheduler-cost). Priced at 0
    "scheduler_api": Price(0.0, "API call", 0.0),
    # SNS standard topic publish, us-east-1: $0.50 per 1M (64 KB chunks), first 1M free/month.
    # factualminds.com/blog/amazon-sns-pricing-publishes-fanout-protocols/; aws.amazon.com/sns/pricing/
    "sns_publish": Price(0.50 / 1e6, "publish", None),
    # SNS email delivery, us-east-1: $2.00 per 100,000 (1,000 free/month). Same source
    "sns_email": Price(2.00 / 1e5, "email delivery", None),
    # SQS standard, us-east-1: $0.40 per 1M requests (64 KB chunks), first 1M free/month.
    # cloudburn.io/blog/amazon-sqs-pricing; unanswered.io/guide/aws-sqs-pricing-and-cost-optimization
    "sqs_request": Price(0.40 / 1e6, "request", None),
    # KMS symmetric requests, us-east-1: $0.03 per 10,000, 20,000 free/month. aws.amazon.com/kms/pricing/;
    # wring.co/blog/aws-kms-pricing-guide
    "kms_request": Price(0.03 / 1e4, "request", None),
    # KMS customer managed key, us-east-1: $1 per key-month; each rotation adds $1/month for the
    # first two rotations only (2024-05 change). aws.amazon.com/kms/pricing/; cloudburn.io/blog/aws-kms-pricing
    "kms_key_month": Price(1.00, "key-month", None),
    # Secrets Manager, us-east-1: $0.40 per secret-month. hivebook.wiki (aws-secrets-manager);
    # aws.amazon.com/secrets-manager/pricing/
    "secret_month": Price(0.40, "secret-month", None),
    # Secrets Manager API calls, us-east-1: $0.05 per 10,000. Same sources
    "secrets_api": Price(0.05 / 1e4, "API call", None),
    # S3 Standard PUT/COPY/POST/LIST, us-east-1: $0.005 per 1,000. c3x.dev/blog/s3-request-fees-explained
    "s3_put": Price(0.005 / 1000, "request", None),
    # S3 Standard GET/HEAD, us-east-1: $0.0004 per 1,000. Same source
    "s3_get": Price(0.0004 / 1000, "request", None),
    # S3 Standard storage, first 50 TB, us-east-1: $0.023 per GB-month. deepeshsoni.com/archives/256
    "s3_storage": Price(0.023, "GB-month", None),
    # CloudWatch Logs ingestion (standard, first tier of vended Lambda logs), us-east-1: $0.50 per GB.
    # factualminds.com/blog/amazon-cloudwatch-pricing-metrics-logs-alarms-dashboards/
    "logs_ingest_gb": Price(0.50, "GB ingested", None),
    # CloudWatch Logs storage, us-east-1: $0.03 per GB-month. gist.github.com/allenheltondev (same gist as above)
    "logs_storage": Price(0.03, "GB-month", None),
    # CloudWatch custom metric (EMF), first 10,000, us-east-1: $0.30 per metric-month (10 free).
    # signoz.io/guides/cloudwatch-pricing
    "custom_metric_month": Price(0.30, "metric-month", None),
    # CloudWatch standard-resolution alarm, us-east-1: $0.10 per alarm metric-month (10 free). cloudburn.io/blog/
    # amazon-cloudwatch-pricing; aws.amazon.com/cloudwatch/pricing/ (free tier: 10 alarm metrics)
    "alarm_month": Price(0.10, "alarm-month", None),
    # CloudWatch dashboard, us-east-1: $3.00 per dashboard-month (3 free per account). factualminds.com (same post)
    "dashboard_month": Price(3.00, "dashboard-month", None),
    # X-Ray traces recorded, us-east-1: $5.00 per 1M after 100,000 free/month. aws.amazon.com/de/xray/pricing/.
    # Not in China: "X-Ray integration with Lambda functions is not available in the China Regions"
    # (docs.amazonaws.cn/en_us/aws/latest/userguide/lambda.html)
    "xray_trace": Price(5.00 / 1e6, "trace recorded", None),
    # AWS WAF (when the city file sets security.waf), us-east-1: $5 per web ACL-month, $1 per rule-month,
    # $0.60 per 1M requests. c3x.dev/blog/aws-waf-cost-explained/ (not in the per-order bill: off by default)
    "waf_acl_month": Price(5.00, "web ACL-month", None),
    "waf_rule_month": Price(1.00, "rule-month", None),
    "waf_request": Price(0.60 / 1e6, "request", None),
    # SMS to mainland China through SNS / End User Messaging: ASSUMED $0.035 per message part; the per-country
    # table (aws.amazon.com/end-user-messaging/pricing/) was not in the stored corpus. Sending to China needs a
    # sender ID registered by a mainland-registered company
    # (docs.aws.amazon.com/sms-voice/latest/userguide/registrations-china.html)
    "sms_cn_part": Price(0.035, "SMS message part to +86", None),
    # Domestic SMS gateway (Alibaba Cloud 短信服务, 70 Chinese characters a part): ~¥0.045 a part, ¥0.035 at volume.
    # seridoat.com (阿里云短信服务定价解析, 2023 prices); 67wa.com/85531.html gives ¥0.035-0.05. USD at USD_CNY below
    "sms_domestic_part": Price(0.045 / 7.2, "SMS message part (domestic gateway)", 0.045),
}
# fmt: on
USD_CNY = 7.2  # assumed exchange rate, CNY per USD, for the domestic SMS line only

# The always-free monthly allowances (not the 12-month ones) of the same pages, per account and region:
# several cities in one account share them.
FREE_PER_MONTH: dict[str, float] = {
    "lambda_request": 1e6,
    "lambda_gb_s": 400_000,
    "sfn_transition": 4_000,
    "scheduler_invocation": 14e6,
    "sns_publish": 1e6,
    "sns_email": 1_000,
    "sqs_request": 1e6,
    "kms_request": 20_000,
    "xray_trace": 100_000,
    "logs_ingest_gb": 5,  # CloudWatch: 5 GB of ingestion, storage and scans together
}

# -- assumptions (docs/cost.md "Assumptions"); each is a module constant so a reader can change one -----------
# behind API Gateway (infra/constructs/api.py); started by a stream, queue or schedule (each starts a trace);
# writing the ticket item TICKET#…/META
API_FUNCTIONS = frozenset({"intake", "dispatch", "callback", "stats", "pages"})
EVENT_FUNCTIONS = frozenset({"orchestrate", "notify", "sms", "timers"})
TICKET_WRITERS = frozenset({"intake", "dispatch", "callback", "timers", "workflow"})
ITEM_KB = 1.0  # every item written or read is ≤1 KB (measured 0.02-1.2 KB, except the ticket, below)
TICKET_KB = 1.0  # the ticket item; measured 2.4-2.8 KB for the bench order (a 20-character complaint), see docs
ITEMS_PER_TRANSACTION = 6.4  # measured: 90 items in the 14 TransactWriteItems of the bench order (2026-12-02)
COLD_SHARE = 0.05  # share of invocations that start a container: AWS sees <1 % in production; a small city more
INIT_MS = 1000.0  # INIT duration of a cold start at 512 MB (imports take ~0.6 s on the bench machine)
# measured ~620 B of JSON logs and EMF per invocation on the local cloud, + ~600 B of platform records (assumed)
LOG_BYTES_PER_INVOCATION = 1250
SFN_LOG_BYTES_PER_TRANSITION = 1500  # level ALL with execution data: ~3 history events of ~0.5 KB per state (assumed)
API_LOG_BYTES_PER_REQUEST = 350  # the stage's JSON access log line with the standard fields (assumed)
SQS_POLLS_PER_MESSAGE = 2  # Lambda's poller: one ReceiveMessage and one DeleteMessage per message at low volume
SQS_IDLE_REQUESTS_PER_MONTH = 5 * 3 * 60 * 730  # five long-polls of 20 s on the citizen-SMS queue when idle
KMS_ON_BEHALF_PER_MESSAGE = 1  # upper bound: SNS/SQS ask KMS once per publish, send and receive (data keys are reused)
KMS_FIXED_REQUESTS_PER_MONTH = 10 * 12 * 730  # ~10 key users (3 tables, logs, S3 bucket key, queues) every 5 min
EMAIL_PER_TOPIC_PUBLISH = 1  # a unit or center topic has one email subscriber (the unit's duty mailbox)
SMS_PER_TOPIC_PUBLISH = 1  # … and one SMS subscriber (the unit's duty phone): priced with the SMS, not in the total
SMS_PARTS = 1.5  # a receipt (~55 characters) is one part, a reply with its result (78+) two; 70 UCS-2 characters a part
ARCHIVE_KB = 5.0  # one archived record: the ticket (~2.5 KB) and its events (~7 × 0.35 KB), JSON
DDB_KB_PER_ORDER = 12.0  # ticket, events, share, list rows, the citizen GSI copy and per-item overhead
DDB_LIVE_MONTHS = 6.5  # an order is live ~2 weeks, then kept 180 days after archiving (LIVE_AFTER_ARCHIVE)
LOG_RETENTION_MONTHS = 12  # every log group keeps one year (infra/constructs/functions.py, workflow.py, api.py)
# ~60 EMF metric names in the code × the service dimension, ColdStart per function, per-unit counts (assumed)
CUSTOM_METRICS = 120
ALARMS = 37  # counted in the synthesized tianjin template (cdk synth)
DASHBOARDS = 1
# X-Ray's default sampling: the first request each second, then 5 % (reservoir assumed per function, 10 functions)
XRAY_RESERVOIR_PER_SECOND = 10
XRAY_RATE = 0.05
SECONDS_PER_MONTH = 730 * 3600


@dataclass(frozen=True)
class Bill:
    """USD per order, one field per line item; `units` holds the quantities priced (per order)."""

    api_gateway: float
    lambda_requests: float
    lambda_compute: float
    dynamodb_writes: float
    dynamodb_reads: float
    dynamodb_streams: float
    step_functions: float
    scheduler: float
    sns: float
    sqs: float
    kms: float
    secrets_manager: float
    s3_requests: float
    logs: float
    xray: float
    sms_aws: float  # not in `total`: SMS to citizens and duty phones through SNS at the China price (assumed)
    sms_domestic: float  # not in `total`: the same parts through a domestic gateway, in USD
    archive_storage_year: float  # not in `total`: a year of S3 storage of the order's record (kept 30 years)
    units: Mapping[str, float] = field(default_factory=dict, compare=False)

    @property
    def total(self) -> float:
        """The order's AWS bill without SMS and storage (both reported apart)."""
        return sum(usd for _, usd in self.lines())

    def lines(self) -> list[tuple[str, float]]:
        return [(f.name, getattr(self, f.name)) for f in fields(self) if f.name not in _APART]


_APART = {"sms_aws", "sms_domestic", "archive_storage_year", "units"}
_LINE_UNITS: dict[str, tuple[str, ...]] = {
    "api_gateway": ("apigw_request",),
    "lambda_requests": ("lambda_request",),
    "lambda_compute": ("lambda_gb_s",),
    "dynamodb_writes": ("ddb_wru",),
    "dynamodb_reads": ("ddb_rru",),
    "dynamodb_streams": ("ddb_stream_read",),
    "step_functions": ("sfn_transition",),
    "scheduler": ("scheduler_invocation", "scheduler_api"),
    "sns": ("sns_publish", "sns_email"),
    "sqs": ("sqs_request",),
    "kms": ("kms_request",),
    "secrets_manager": ("secrets_api",),
    "s3_requests": ("s3_put", "s3_get"),
    "logs": ("logs_ingest_gb",),
    "xray": ("xray_trace",),
}


def _ops(calls: Mapping[Call, int], service: str, *operations: str, callers: frozenset[str] | None = None) -> float:
    return float(
        sum(
            n
            for (who, svc, op), n in calls.items()
            if svc == service and (not operations or op in operations) and (callers is None or who in callers)
        )
    )


def _kb_units(kb: float, per: float) -> float:
    return float(max(1, math.ceil(kb / per)))


def bill_per_order(
    calls: Mapping[tuple[str, str, str], int],
    *,
    durations_ms: Mapping[str, float],
    invocations: Mapping[str, int],
    memory_mb: Mapping[str, int],
    transitions: int,
    sms_per_order: int,
    api_requests: int | None = None,
    transact_items: int | None = None,
    item_kb: float = ITEM_KB,
    ticket_kb: float = TICKET_KB,
    ticket_writes: int | None = None,
    batch_get_items: int | None = None,
    cold_share: float = COLD_SHARE,
) -> Bill:
    """The bill of one order from what `bench/lifecycle.py` counts.

    `calls` are the botocore calls of the order by (caller, service, operation); `invocations`,
    `durations_ms` (median warm) and `memory_mb` are per function; `transitions` are the
    execution's state transitions; `sms_per_order` the SMS sent to the citizen.

    Optional: `api_requests` (default: the invocations of the functions behind API Gateway, which are
    the platform's `lambda:Invoke` calls that are not Step Functions'); `transact_items` (all items of
    the order's TransactWriteItems; default ITEMS_PER_TRANSACTION each); `item_kb`/`ticket_kb` (item
    sizes); `ticket_writes` (writes of the ticket item, which also write the citizen GSI; default the
    transactions and puts of the functions that write tickets); `batch_get_items` (default one per call).
    """
    u: dict[str, float] = {}
    u["apigw_request"] = float(
        api_requests if api_requests is not None else sum(invocations.get(f, 0) for f in API_FUNCTIONS)
    )
    u["lambda_request"] = float(sum(invocations.values()))
    u["lambda_gb_s"] = sum(
        n * (durations_ms.get(f, 50.0) + cold_share * INIT_MS) / 1000 * memory_mb.get(f, 512) / 1024
        for f, n in invocations.items()
    )

    # DynamoDB writes: a transactional write is 2 WRU per KB of each item, a standard write 1 WRU per KB;
    # each ticket write also writes the sparse citizen GSI (projection ALL: 1 WRU per KB, not transactional).
    transactions = _ops(calls, "dynamodb", "TransactWriteItems")
    items = float(transact_items) if transact_items is not None else transactions * ITEMS_PER_TRANSACTION
    writes = _ops(calls, "dynamodb", "PutItem", "UpdateItem", "DeleteItem") + _ops(calls, "dynamodb", "BatchWriteItem")
    tickets = (
        float(ticket_writes)
        if ticket_writes is not None
        else _ops(calls, "dynamodb", "TransactWriteItems", "PutItem", callers=TICKET_WRITERS)
    )
    per_item, per_ticket = _kb_units(item_kb, 1), _kb_units(ticket_kb, 1)
    u["ddb_wru"] = (
        2 * items * per_item  # every item of a transaction
        + 2 * tickets * (per_ticket - per_item)  # the ticket item is larger than the others
        + tickets * per_ticket  # its GSI copy
        + writes * per_item
    )
    # Reads: consistent GetItem 1 RRU per 4 KB; Query 1 RRU per 4 KB returned (measured ≤2 KB a page);
    # TransactGetItems 2 per item; BatchGetItem counted as consistent, one item per call unless told.
    read_items = _ops(calls, "dynamodb", "GetItem") * _kb_units(max(item_kb, ticket_kb), 4)
    read_items += _ops(calls, "dynamodb", "Query") * _kb_units(item_kb, 4)
    read_items += float(batch_get_items) if batch_get_items is not None else _ops(calls, "dynamodb", "BatchGetItem")
    read_items += 2 * _ops(calls, "dynamodb", "TransactGetItems")
    u["ddb_rru"] = read_items
    u["ddb_stream_read"] = float(invocations.get("orchestrate", 0) + invocations.get("notify", 0))

    u["sfn_transition"] = float(transitions)
    u["scheduler_invocation"] = float(invocations.get("timers", 0))
    u["scheduler_api"] = _ops(calls, "scheduler", "CreateSchedule", "DeleteSchedule")

    topic_publishes = sum(float(n) for (who, svc, op), n in calls.items() if svc == "sns" and who != "sms")
    u["sns_publish"] = topic_publishes
    u["sns_email"] = topic_publishes * EMAIL_PER_TOPIC_PUBLISH
    sends = _ops(calls, "sqs", "SendMessage", "SendMessageBatch")
    u["sqs_request"] = sends * (1 + SQS_POLLS_PER_MESSAGE)
    # SMS to a phone number uses no topic and no key; topics and the queue are under the city's key.
    u["kms_request"] = _ops(calls, "kms") + KMS_ON_BEHALF_PER_MESSAGE * (topic_publishes + sends * 2)
    # The bench starts every function cold, so each counted GetSecretValue is one per cold container.
    u["secrets_api"] = _ops(calls, "secretsmanager") * cold_share
    u["s3_put"] = _ops(calls, "s3", "PutObject", "CopyObject", "UploadPart", "ListObjectsV2")
    u["s3_get"] = _ops(calls, "s3", "GetObject", "HeadObject")
    log_bytes = (
        u["lambda_request"] * LOG_BYTES_PER_INVOCATION
        + transitions * SFN_LOG_BYTES_PER_TRANSITION
        + u["apigw_request"] * API_LOG_BYTES_PER_REQUEST
    )
    u["logs_ingest_gb"] = log_bytes / 1024**3
    u["xray_trace"] = (
        u["apigw_request"]
        + sum(invocations.get(f, 0) for f in EVENT_FUNCTIONS)
        + _ops(calls, "stepfunctions", "StartExecution")
    )
    u["sms_parts_citizen"] = sms_per_order * SMS_PARTS
    u["sms_parts_staff"] = topic_publishes * SMS_PER_TOPIC_PUBLISH * SMS_PARTS
    parts = u["sms_parts"] = u["sms_parts_citizen"] + u["sms_parts_staff"]
    u["archive_gb"] = _ops(calls, "s3", "PutObject") * ARCHIVE_KB / 1024**2

    priced = {name: sum(u[k] * PRICES[k].usd for k in keys) for name, keys in _LINE_UNITS.items()}
    return Bill(
        **priced,
        sms_aws=parts * PRICES["sms_cn_part"].usd,
        sms_domestic=parts * PRICES["sms_domestic_part"].usd,
        archive_storage_year=u["archive_gb"] * PRICES["s3_storage"].usd * 12,
        units=u,
    )


def fixed_per_month(*, key_rotations: int = 2, waf: bool = False, free_tier: bool = False) -> dict[str, float]:
    """What a city's stack costs a month before its first order: list prices, or with the always-free
    10 alarms, 10 custom metrics and 3 dashboards of an account the city has to itself (`free_tier`).
    The key is rotated yearly (enable_key_rotation): $1 more after each of the first two rotations."""
    free = (10, 10, 3) if free_tier else (0, 0, 0)
    alarms, metrics, boards = ALARMS - free[0], CUSTOM_METRICS - free[1], DASHBOARDS - free[2]
    out = {
        "kms_key": PRICES["kms_key_month"].usd * (1 + min(key_rotations, 2)),
        "kms_service_requests": KMS_FIXED_REQUESTS_PER_MONTH * PRICES["kms_request"].usd,
        "secret": PRICES["secret_month"].usd,
        "alarms": max(0, alarms) * PRICES["alarm_month"].usd,
        "dashboard": max(0, boards) * PRICES["dashboard_month"].usd,
        "custom_metrics": max(0, metrics) * PRICES["custom_metric_month"].usd,
        "sqs_idle_polling": SQS_IDLE_REQUESTS_PER_MONTH * PRICES["sqs_request"].usd,
    }
    if waf:  # security.waf in the city file: one web ACL and three rules (the requests are variable)
        out["waf"] = PRICES["waf_acl_month"].usd + 3 * PRICES["waf_rule_month"].usd
    return out


def _sampled(traces: float) -> float:
    reservoir = XRAY_RESERVOIR_PER_SECOND * SECONDS_PER_MONTH
    return traces if traces <= reservoir else reservoir + XRAY_RATE * (traces - reservoir)


def yearly(
    bill: Bill, orders_per_year: int, *, answered: Bill | None = None, answered_per_year: int = 0
) -> dict[str, Any]:
    """A city's month and year: fixed costs, the orders' variable cost with the always-free tiers,
    storage at the end of the first year, and SMS apart. `answered` prices the requests answered
    at once (they never become orders) at `answered_per_year`."""
    month: dict[str, float] = {}
    for b, n in ((bill, orders_per_year), (answered, answered_per_year)):
        if b is None or not n:
            continue
        for k, q in b.units.items():
            month[k] = month.get(k, 0.0) + q * n / 12
    month["xray_trace"] = _sampled(month.get("xray_trace", 0.0))
    priced = [k for keys in _LINE_UNITS.values() for k in keys]
    listed = sum(month.get(k, 0.0) * PRICES[k].usd for k in priced)
    after_free = sum(max(0.0, month.get(k, 0.0) - FREE_PER_MONTH.get(k, 0.0)) * PRICES[k].usd for k in priced)
    fixed = fixed_per_month(free_tier=True)
    orders_month = (orders_per_year + answered_per_year) / 12
    storage = {
        "s3_archive": month.get("archive_gb", 0.0) * 12 * PRICES["s3_storage"].usd,  # a year's records
        "dynamodb": orders_month
        * DDB_KB_PER_ORDER
        / 1024**2
        * DDB_LIVE_MONTHS
        * (PRICES["ddb_storage"].usd + PRICES["ddb_pitr"].usd),
        "logs": month.get("logs_ingest_gb", 0.0) * LOG_RETENTION_MONTHS * PRICES["logs_storage"].usd,
    }
    parts = month.get("sms_parts", 0.0)
    per_month = after_free + sum(fixed.values()) + sum(storage.values())
    return {
        "orders_per_year": orders_per_year,
        "answered_per_year": answered_per_year,
        "variable_per_month_list": listed,
        "variable_per_month": after_free,
        "fixed_per_month": fixed,
        "storage_per_month_after_a_year": storage,
        "total_per_month": per_month,
        "total_per_year": 12 * per_month,
        "sms_parts_per_year": 12 * parts,
        "sms_per_year_aws_usd": 12 * parts * PRICES["sms_cn_part"].usd,
        "sms_per_year_domestic_cny": 12 * parts * (PRICES["sms_domestic_part"].cny or 0.0),
    }


# -- the two city sizes and the capacity side (docs/cost.md) ----------------------------------------------------
WEIXI_ORDERS_PER_YEAR = 30_000
BEIJING_REQUESTS_PER_YEAR = 20_000_000
# Beijing 12345, 2019-01..2021-11: 31.34M received, 13.01M 诉求 (41.5 %) and 18.33M consultations (58.5 %)
# (北京青年报 via hf.eeju.com/guancha/2021/1220/17492.html); 2020: 11.04M received, ~4.5M dispatched (bjnews.com.cn/
# detail/161007287415103.html). So 40 % of requests become orders; the rest are answered at once.
BEIJING_ORDER_SHARE = 0.40
WORKING_HOURS = 12  # 08:00-20:00 carry most calls (assumed)
WORKING_HOURS_SHARE = 0.80  # of a day's requests (assumed)
PEAK_FACTOR = 3.0  # the morning peak hour over the working-hour average (assumed)
VERSIONS_PER_ORDER = 6  # filing, sign, assist part, reply, rating/close, archive (the bench order's six)
KPI_VERSIONS_PER_ORDER = 3  # versions that move the figures: dispatch, in-time sign, rating (measured)


def peak_rates(requests_per_year: float, order_share: float, order: Bill, answered: Bill) -> dict[str, float]:
    """Per-second rates at the peak hour, for docs/cost.md's capacity table."""
    req = requests_per_year * WORKING_HOURS_SHARE / 365 / WORKING_HOURS / 3600 * PEAK_FACTOR
    orders = req * order_share
    other = req - orders

    def both(key: str) -> float:
        return orders * order.units.get(key, 0.0) + other * answered.units.get(key, 0.0)

    return {
        "requests": req,
        "orders": orders,
        "order_versions": orders * VERSIONS_PER_ORDER,
        "city_kpi_row_tx": orders * KPI_VERSIONS_PER_ORDER,  # each moves KPI#<month>/city and KPI#<year>/city
        "city_day_counter_tx": req,  # VOL#<month>#day / <today>: every counted request, once
        "scheduler_api": both("scheduler_api"),
        "start_execution": req,  # every filed ticket gets one execution, answers included
        "state_transitions": both("sfn_transition"),
        "lambda_invocations": both("lambda_request"),
        "sms_parts": both("sms_parts"),
        "wru": both("ddb_wru"),
    }


def _money(usd: float) -> str:
    return f"${usd:,.2f}" if usd >= 1 else f"${usd:.4f}"


def report(bill: Bill) -> list[str]:
    """Lines to print: the bill per order and per 1,000 orders, SMS apart, the fixed month, the
    two city sizes and the peak-hour rates of Beijing's hottest items."""
    out = ["Cost of one order (us-east-1 list prices, no free tier; docs/cost.md)"]
    total = bill.total
    for name, usd in bill.lines():
        share = usd / total if total else 0.0
        out.append(f"  {name:<16} {usd * 1000:8.4f} $/1,000 orders  {share:6.1%}")
    out.append(f"  {'total':<16} {total * 1000:8.4f} $/1,000 orders ({total * 1e6:.0f} µ$ an order)")
    u = bill.units
    out.append(
        f"  priced: {u['apigw_request']:.0f} API requests, {u['lambda_request']:.0f} invocations "
        f"({u['lambda_gb_s']:.2f} GB-s), {u['ddb_wru']:.0f} WRU, {u['ddb_rru']:.0f} RRU, "
        f"{u['sfn_transition']:.0f} transitions, {u['logs_ingest_gb'] * 1024**2:.0f} KB of logs"
    )
    out.append(
        f"SMS apart: {u['sms_parts']:.1f} parts an order ({u['sms_parts_citizen']:.1f} to the citizen, "
        f"{u['sms_parts_staff']:.1f} to duty phones): SNS to +86 {bill.sms_aws * 1000:.2f} $/1,000 orders "
        f"(assumed price), a domestic gateway ¥{bill.sms_domestic * USD_CNY * 1000:.2f}/1,000 orders"
    )
    fixed = fixed_per_month()
    items = ", ".join(f"{k} {_money(v)}" for k, v in fixed.items())
    out.append(f"Fixed per month, list: {_money(sum(fixed.values()))} ({items})")
    answered = answered_request()
    orders = int(BEIJING_REQUESTS_PER_YEAR * BEIJING_ORDER_SHARE)
    cities = (
        ("Weixi", yearly(bill, WEIXI_ORDERS_PER_YEAR)),
        ("Beijing", yearly(bill, orders, answered=answered, answered_per_year=BEIJING_REQUESTS_PER_YEAR - orders)),
    )
    for city, y in cities:
        storage = sum(y["storage_per_month_after_a_year"].values())
        out.append(
            f"{city}: {y['orders_per_year']:,} orders + {y['answered_per_year']:,} answered at once a year: "
            f"{_money(y['total_per_month'])}/month, {_money(y['total_per_year'])}/year without SMS"
        )
        out.append(
            f"  variable {_money(y['variable_per_month'])}/month after the free tiers "
            f"(list {_money(y['variable_per_month_list'])}), fixed {_money(sum(y['fixed_per_month'].values()))}, "
            f"storage after a year {_money(storage)}"
        )
        out.append(
            f"  SMS {y['sms_parts_per_year']:,.0f} parts/year: {_money(y['sms_per_year_aws_usd'])} through SNS "
            f"(assumed price) or ¥{y['sms_per_year_domestic_cny']:,.0f} through a domestic gateway"
        )
    p = peak_rates(BEIJING_REQUESTS_PER_YEAR, BEIJING_ORDER_SHARE, bill, answered)
    out.append(
        f"Beijing peak hour ({PEAK_FACTOR:.0f}x the working-hour mean): {p['requests']:.2f} requests/s, "
        f"{p['orders']:.2f} orders/s, {p['order_versions']:.1f} order versions/s"
    )
    out.append(
        f"  city KPI row: {p['city_kpi_row_tx']:.1f} transactions/s ({p['order_versions']:.1f} if every version "
        f"moved it), {2 * p['city_kpi_row_tx']:.0f}-{2 * p['order_versions']:.0f} WCU/s of 1,000 per partition"
    )
    out.append(
        f"  city day counter {p['city_day_counter_tx']:.1f} transactions/s; Scheduler {p['scheduler_api']:.1f} "
        f"calls/s; StartExecution {p['start_execution']:.1f}/s; {p['state_transitions']:.0f} state transitions/s"
    )
    out.append(
        f"  Lambda {p['lambda_invocations']:.0f} invocations/s; SMS {p['sms_parts']:.1f} parts/s; "
        f"both tables {p['wru']:.0f} WRU/s"
    )
    return out


# -- example inputs ------------------------------------------------------------------------------------------------
FUNCTIONS = ("intake", "dispatch", "callback", "orchestrate", "notify", "sms", "workflow", "timers", "stats", "pages")


def example() -> Bill:
    """docs/cost.md's worked example: one order filed → signed → assist part → reply → rating →
    archive, the call mix after the current optimisation (approximate; `make bench` has the final)."""
    calls: dict[Call, int] = {
        ("platform", "lambda", "Invoke"): 11,  # 5 API requests + 6 Step Functions tasks
        ("intake", "dynamodb", "GetItem"): 2, ("intake", "dynamodb", "Query"): 1,
        ("intake", "dynamodb", "TransactWriteItems"): 1, ("intake", "dynamodb", "UpdateItem"): 1,
        ("intake", "kms", "Encrypt"): 1, ("intake", "secretsmanager", "GetSecretValue"): 1,
        ("dispatch", "dynamodb", "GetItem"): 3, ("dispatch", "dynamodb", "Query"): 3,
        ("dispatch", "dynamodb", "TransactWriteItems"): 3,
        ("callback", "dynamodb", "GetItem"): 1, ("callback", "dynamodb", "TransactWriteItems"): 1,
        ("callback", "secretsmanager", "GetSecretValue"): 1,
        ("orchestrate", "dynamodb", "GetItem"): 5, ("orchestrate", "dynamodb", "TransactWriteItems"): 5,
        ("orchestrate", "dynamodb", "UpdateItem"): 1, ("orchestrate", "dynamodb", "BatchGetItem"): 1,
        ("orchestrate", "scheduler", "CreateSchedule"): 3, ("orchestrate", "scheduler", "DeleteSchedule"): 3,
        ("orchestrate", "stepfunctions", "StartExecution"): 1, ("orchestrate", "stepfunctions", "SendTaskSuccess"): 2,
        ("notify", "dynamodb", "GetItem"): 6, ("notify", "sns", "Publish"): 3, ("notify", "sqs", "SendMessage"): 2,
        ("sms", "kms", "Decrypt"): 2, ("sms", "sns", "Publish"): 2,
        ("workflow", "dynamodb", "GetItem"): 3, ("workflow", "dynamodb", "Query"): 1,
        ("workflow", "dynamodb", "TransactWriteItems"): 2, ("workflow", "dynamodb", "DeleteItem"): 1,
        ("workflow", "s3", "PutObject"): 1, ("workflow", "s3", "HeadObject"): 1,
    }  # fmt: skip
    invocations = {"intake": 1, "dispatch": 3, "callback": 1, "orchestrate": 7, "notify": 7, "sms": 2, "workflow": 6}
    return bill_per_order(
        calls,
        durations_ms=dict.fromkeys(FUNCTIONS, 50.0),
        invocations=invocations,
        memory_mb=dict.fromkeys(FUNCTIONS, 512),
        transitions=10,
        sms_per_order=2,
        api_requests=5,
        transact_items=12 * 3,  # avg 3 items each, as given; the bench order measured 6.4 (ITEMS_PER_TRANSACTION)
    )


def answered_request() -> Bill:
    """A consultation the knowledge base answers at once (R-INT-3): counted on the local cloud
    (tianjin, "公积金怎么提取", 2026-12-02), less the two transactions that load the KB seed once per
    city: 4 transactions of 13 items; its execution goes straight to the archive; one SMS (the answer)."""
    calls: dict[Call, int] = {
        ("platform", "lambda", "Invoke"): 3,
        ("intake", "dynamodb", "GetItem"): 2, ("intake", "dynamodb", "PutItem"): 1, ("intake", "dynamodb", "Query"): 2,
        ("intake", "dynamodb", "TransactWriteItems"): 1, ("intake", "dynamodb", "UpdateItem"): 1,
        ("intake", "kms", "Encrypt"): 1, ("intake", "secretsmanager", "GetSecretValue"): 1,
        ("notify", "dynamodb", "GetItem"): 2, ("notify", "sqs", "SendMessage"): 1,
        ("orchestrate", "dynamodb", "GetItem"): 2, ("orchestrate", "dynamodb", "TransactWriteItems"): 2,
        ("orchestrate", "dynamodb", "UpdateItem"): 1, ("orchestrate", "stepfunctions", "StartExecution"): 1,
        ("sms", "kms", "Decrypt"): 1, ("sms", "sns", "Publish"): 1,
        ("workflow", "dynamodb", "DeleteItem"): 1, ("workflow", "dynamodb", "GetItem"): 2,
        ("workflow", "dynamodb", "Query"): 1, ("workflow", "dynamodb", "TransactWriteItems"): 1,
        ("workflow", "s3", "HeadObject"): 1, ("workflow", "s3", "PutObject"): 1,
    }  # fmt: skip
    return bill_per_order(
        calls,
        durations_ms=dict.fromkeys(FUNCTIONS, 50.0),
        invocations={"intake": 1, "orchestrate": 2, "workflow": 2, "notify": 2, "sms": 1},
        memory_mb=dict.fromkeys(FUNCTIONS, 512),
        transitions=4,
        sms_per_order=1,
        api_requests=1,
        transact_items=13,
    )


if __name__ == "__main__":
    print("\n".join(report(example())))
    # The same order's DynamoDB writes with the items measured on 2026-12-02: 14 transactions of 90 items,
    # the ticket item 2.5 KB and written 6 times.
    measured = bill_per_order(
        {("intake", "dynamodb", "TransactWriteItems"): 14},
        durations_ms={},
        invocations={},
        memory_mb={},
        transitions=0,
        sms_per_order=0,
        transact_items=90,
        ticket_kb=2.5,
        ticket_writes=6,
    )
    print(
        f"DynamoDB writes with the measured items (90 items, 2.5 KB ticket): {measured.units['ddb_wru']:.0f} WRU, "
        f"{measured.dynamodb_writes * 1000:.4f} $/1,000 orders (worked example: {example().units['ddb_wru']:.0f} WRU)"
    )
