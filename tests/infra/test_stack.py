"""The per-city stack: what it holds, cdk-nag AwsSolutions and cfn-lint clean (R-OPS-1, R-SEC-1)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk.assertions import Match, Template

from hotline.config.loader import CityConfigError, city_config, load_city_file
from hotline.dal.models import TicketItem
from hotline.dal.stats import KpiItem
from tests.conftest import CITIES

pytestmark = pytest.mark.slow


def template(synthesized, city: str, stage: str = "dev") -> Template:
    return Template.from_json(synthesized(city, stage)["template"])


@pytest.mark.parametrize("city", CITIES)
def test_every_city_synthesizes_clean_under_cdk_nag_and_cfn_lint(synthesized, city):
    path = synthesized(city)["path"]  # synth itself fails on any unacknowledged AwsSolutions finding
    root = Path(__file__).resolve().parents[2]  # .cfnlintrc lives there
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    lint = subprocess.run(
        [cfn_lint, "--regions", "ap-southeast-1", "--", path], capture_output=True, text=True, check=False, cwd=root
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr


@pytest.mark.parametrize("model", [TicketItem, KpiItem], ids=["tickets", "stats"])
def test_tables_match_the_pynamodb_models(synthesized, model):
    """Contract: the template's keys and GSIs are exactly the ones the code queries; only the
    tickets table has a stream (counting the rates must wake no reader)."""
    schema = model._get_schema()
    tables = template(synthesized, "tianjin").find_resources(
        "AWS::DynamoDB::Table",
        {"Properties": {"KeySchema": Match.array_with([Match.object_like({"KeyType": "RANGE"})])}},
    )
    [props] = [t["Properties"] for t in tables.values() if bool(t["Properties"].get("GlobalSecondaryIndexes"))
               == bool(schema.get("global_secondary_indexes"))]  # fmt: skip
    assert props["KeySchema"] == schema["key_schema"]
    got = {g["IndexName"]: g["KeySchema"] for g in props.get("GlobalSecondaryIndexes", [])}
    want = {g["index_name"]: g["key_schema"] for g in schema.get("global_secondary_indexes", [])}
    assert got == want
    declared = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
    assert declared == {a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]}
    assert ("StreamSpecification" in props) is (model is TicketItem)


def test_tables_have_pitr_cmk_encryption_and_ttl(synthesized):
    t = template(synthesized, "tianjin")
    t.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": Match.any_value()},
            "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
            "DeletionProtectionEnabled": False,
        },
    )
    t.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})


def test_prod_tables_are_deletion_protected_and_retained(synthesized):
    t = template(synthesized, "baoding", "prod")
    t.has_resource(
        "AWS::DynamoDB::Table",
        {"Properties": Match.object_like({"DeletionProtectionEnabled": True}), "DeletionPolicy": "Retain"},
    )
    t.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "ObjectLockConfiguration": {
                "ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": Match.object_like({"Mode": "COMPLIANCE"})},
            }
        },
    )


def test_archive_bucket_is_versioned_locked_kms_private_and_tls_only(synthesized):
    t = template(synthesized, "tianjin")
    t.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "VersioningConfiguration": {"Status": "Enabled"},
            "ObjectLockEnabled": True,
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    Match.object_like({"ServerSideEncryptionByDefault": Match.object_like({"SSEAlgorithm": "aws:kms"})})
                ]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True, "BlockPublicPolicy": True,
                "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
            },
        },
    )  # fmt: skip
    t.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {"PolicyDocument": {"Statement": Match.array_with([Match.object_like(
            {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})])}},
    )  # fmt: skip


@pytest.mark.parametrize("city", ["weixi", "tianjin"])
def test_one_sns_topic_per_unit_and_center_role_plus_ops_and_emergency_desks_and_a_queue_of_citizen_sms(
    synthesized, city
):
    """R-DSP-13, R-DESK-2: each unit and each center role (dispatcher, reviewer, callback,
    supervisor) has its topic; notify may publish to the center's four."""
    t = template(synthesized, city)
    t.resource_count_is("AWS::SNS::Topic", len(city_config(city).units) + 2 + 4)
    for role in ("dispatcher", "reviewer", "callback", "supervisor"):
        t.has_resource_properties(
            "AWS::SNS::Topic", {"TopicName": f"hotline-{city}-center-{role}", "KmsMasterKeyId": Match.any_value()}
        )
    t.has_resource_properties("AWS::SQS::Queue", {"QueueName": f"hotline-{city}-citizen-sms"})
    t.has_resource_properties("AWS::SNS::Topic", {"TopicName": f"hotline-{city}-emergency"})
    t.has_resource_properties(
        "AWS::SNS::Topic", {"TopicName": f"hotline-{city}-ops", "KmsMasterKeyId": Match.any_value()}
    )


def test_one_function_factory_shape_for_every_function(synthesized):
    fns = template(synthesized, "heze").find_resources("AWS::Lambda::Function")
    assert len(fns) == 10  # intake, dispatch, timers, callback, notify, sms, orchestrate, workflow, stats, pages
    for fn in fns.values():
        p = fn["Properties"]
        assert p["Runtime"] == "python3.14"
        assert p["TracingConfig"] == {"Mode": "Active"}
        assert p["LoggingConfig"]["LogFormat"] == "JSON"
        assert len(p["Layers"]) == 2
        assert p["Environment"]["Variables"]["HOTLINE_CITY"] == "heze"


def test_channels_use_api_keys_and_staff_use_cognito(synthesized):
    city = "hohhot"
    t = template(synthesized, city)
    # one key and usage plan per channel, and one for the two-way SMS gateway (R-CB-1)
    t.resource_count_is("AWS::ApiGateway::ApiKey", len(city_config(city).channels) + 1)
    t.resource_count_is("AWS::ApiGateway::UsagePlan", len(city_config(city).channels) + 1)
    t.has_resource_properties("AWS::ApiGateway::Authorizer", {"Type": "COGNITO_USER_POOLS"})
    methods = t.find_resources("AWS::ApiGateway::Method")
    by_auth = {m["Properties"].get("AuthorizationType"): 0 for m in methods.values()}
    for m in methods.values():
        by_auth[m["Properties"].get("AuthorizationType")] += 1
    # channels' routes incl. escalate (R-TRI-5); staff routes incl. the queues and the ledger (R-DESK-1/4),
    # the governance reads and topics (R-GOV-1..4); the public report alone needs no credential at all;
    # Open311's three methods are public at the gateway, its POST checks the form's `api_key` (R-O311-1)
    assert by_auth == {"NONE": 18, "COGNITO_USER_POOLS": 23}  # + the living KB's six (R-KB-4)
    keyed = [m for m in methods.values() if m["Properties"].get("ApiKeyRequired")]
    assert len(keyed) == 8
    props = [m["Properties"] for m in methods.values()]
    open_methods = [p for p in props if p.get("AuthorizationType") == "NONE" and not p.get("ApiKeyRequired")]
    # the report, the public KB search and progress, the pages of /console and /public (R-UI-1/2), and
    # Open311's GETs and its POST, whose key the function checks in the form (R-O311-1)
    assert len(open_methods) == 10 and {p["HttpMethod"] for p in open_methods} == {"GET", "POST"}
    assert [p["HttpMethod"] for p in open_methods].count("POST") == 1
    for group in ("dispatcher", "reviewer", "callback", "supervisor", "unit"):
        t.has_resource_properties("AWS::Cognito::UserPoolGroup", {"GroupName": group})


def test_unknown_city_fails_synth_naming_the_file():
    from infra.app import build_app

    with pytest.raises(CityConfigError, match=r"infra/cities/atlantis\.yaml: no such city config"):
        build_app("atlantis")


def test_broken_config_fails_naming_file_field_and_problem(tmp_path):
    src = (load_city_file.__globals__["CITIES_DIR"] / "weixi.yaml").read_text(encoding="utf-8")
    bad = src.replace("deferral_deadline:", "deferral_deadline_typo:", 1).replace(
        "limit: {working_days: 1}", "limit: {days: 1}", 1
    )
    path = tmp_path / "weixi.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(CityConfigError) as err:
        load_city_file(path)
    msg = str(err.value)
    assert str(path) in msg
    assert "dispatch.deferral_deadline_typo: Extra inputs are not permitted" in msg
    assert "limits.0.limit.days: Extra inputs are not permitted" in msg


def test_dangling_unit_reference_is_named(tmp_path):
    src = (load_city_file.__globals__["CITIES_DIR"] / "heze.yaml").read_text(encoding="utf-8")
    cfg = city_config("heze")
    lead = cfg.routing[0].lead
    path = tmp_path / "heze.yaml"
    path.write_text(src.replace(f"lead: {lead}", "lead: no-such-unit", 1), encoding="utf-8")
    with pytest.raises(CityConfigError, match=r"routing\[0\]: unknown unit 'no-such-unit'"):
        load_city_file(path)


def test_notices_come_from_the_table_stream_with_retries_and_a_dead_letter_queue(synthesized):
    """R-DSP-13 + R-OPS-2: a write that succeeded always yields its notice, or a parked record."""
    t = template(synthesized, "tianjin")
    t.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "StartingPosition": "TRIM_HORIZON",
            "BisectBatchOnFunctionError": True,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "DestinationConfig": {"OnFailure": {"Destination": Match.any_value()}},
            "FilterCriteria": {"Filters": [{"Pattern": Match.string_like_regexp("TICKET#.*META")}]},
        },
    )
    t.has_resource_properties("AWS::SQS::Queue", {"KmsMasterKeyId": Match.any_value()})


def test_only_the_notifier_and_the_governance_readers_publish_to_unit_topics(synthesized):
    """R-SEC-2: the API functions write tickets; `notify` publishes the orders' notices, and two
    publish to units and the center's topics only — orchestrate a cluster's warning (R-GOV-2),
    stats a topic's review date (R-GOV-3) — never to a desk or a phone; the state machine
    publishes to the ops topic alone, when an order's workflow fails."""
    t = template(synthesized, "heze")
    publishers = {
        name: json.dumps(policy["Properties"]["PolicyDocument"])
        for name, policy in t.find_resources("AWS::IAM::Policy").items()
        if "sns:Publish" in json.dumps(policy["Properties"]["PolicyDocument"])
    }
    assert sorted(publishers) == sorted(
        next(n for n in publishers if what in n)
        for what in ("notify", "Functionssms", "Workflow", "orchestrate", "Functionsstats")
    )  # fmt: skip
    policies = t.find_resources("AWS::IAM::Policy")
    for governs in ("orchestrate", "Functionsstats"):
        name = next(n for n in publishers if governs in n)
        published = [json.dumps(st["Resource"]) for st in policies[name]["Properties"]["PolicyDocument"]["Statement"]
                     if "sns:Publish" in json.dumps(st["Action"])]  # fmt: skip
        assert any("-unit-" in r for r in published) and any("Center" in r for r in published), published
        assert not any("Emergency" in r or r == '"*"' for r in published), published
    workflow = next(doc for n, doc in publishers.items() if "Workflow" in n)
    assert "NotifyOps" in workflow and "unit" not in workflow.lower()
    sms = next(doc for n, doc in publishers.items() if "Functionssms" in n)
    assert "unit" not in sms.lower() and "Topic" not in sms  # SMS to phone numbers only (test_hardening.py)


def test_gateway_refusals_use_the_contract_error_shape(synthesized):
    """SPEC §11: 401 without a credential, in `{"error": {"code", "message"}}`."""
    t = template(synthesized, "baoding")
    for kind, status in (("API_KEY", "401"), ("UNAUTHORIZED", "401"), ("THROTTLED", "429")):
        t.has_resource_properties(
            "AWS::ApiGateway::GatewayResponse",
            {
                "ResponseType": kind,
                "StatusCode": status,
                "ResponseTemplates": {"application/json": Match.string_like_regexp('"error"')},
            },
        )


def test_timers_have_one_schedule_group_a_scheduler_role_and_a_planner_fed_by_ticket_records(synthesized):
    """R-TMR-1: one schedule group per city; Scheduler may only invoke the timers function."""
    t = template(synthesized, "weixi")
    t.has_resource_properties("AWS::Scheduler::ScheduleGroup", {"Name": "hotline-weixi"})
    t.has_resource_properties(
        "AWS::IAM::Role",
        {"AssumeRolePolicyDocument": Match.object_like({"Statement": [Match.object_like(
            {"Principal": {"Service": "scheduler.amazonaws.com"}})]})},
    )  # fmt: skip
    t.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {"FilterCriteria": {"Filters": [{"Pattern": Match.string_like_regexp('"META"')}]}},
    )


def test_intake_may_seal_contacts_sign_uploads_and_read_which_channel_a_key_belongs_to(synthesized):
    """R-SEC-1, R-INT-1/2: the grants intake needs, and the bucket that keeps citizens' evidence private."""
    t = template(synthesized, "tianjin")
    t.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": Match.object_like({"ServerSideEncryptionConfiguration": Match.any_value()}),
            "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                               "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
            "CorsConfiguration": Match.any_value(),
        },
    )  # fmt: skip
    policies = json.dumps(t.find_resources("AWS::IAM::Policy"))
    assert "apigateway:GET" in policies and "/apikeys/*" in policies
    assert "kms:Encrypt" in policies
    env = next(
        f["Properties"]["Environment"]["Variables"]
        for f in t.find_resources("AWS::Lambda::Function").values()
        if f["Properties"].get("FunctionName") == "hotline-tianjin-intake"
    )
    assert {"CITY_KEY_ARN", "ATTACHMENTS_BUCKET", "IDEMPOTENCY_TABLE", "HOTLINE_KB"} <= set(env)


def _machine(t: Template) -> dict:
    [machine] = t.find_resources("AWS::StepFunctions::StateMachine").values()
    return machine["Properties"]


def _definition(props: dict) -> dict:
    """The ASL with the ARNs CloudFormation fills in replaced by placeholders."""
    parts = props["DefinitionString"]["Fn::Join"][1]
    return json.loads("".join(p if isinstance(p, str) else "ARN" for p in parts))


def test_one_standard_execution_per_order_with_logs_tracing_and_every_phase(synthesized):
    """DESIGN §1: a Standard state machine (JSONPath), logged at ALL and traced, that waits on a
    task token in each phase and archives every final record (R-CB-5)."""
    props = _machine(template(synthesized, "hohhot"))
    assert props["StateMachineType"] == "STANDARD" and props["StateMachineName"] == "hotline-hohhot-lifecycle"
    assert props["TracingConfiguration"] == {"Enabled": True} and props["LoggingConfiguration"]["Level"] == "ALL"
    states = _definition(props)["States"]
    assert states.keys() >= {"Locate", "Where", "AwaitDispatch", "AwaitUnit", "AwaitCallback", "Archive", "Done",
                             "OnLedger", "Alert", "Failed"}  # fmt: skip
    for wait in ("AwaitDispatch", "AwaitUnit", "AwaitCallback"):
        assert states[wait]["Resource"].endswith("lambda:invoke.waitForTaskToken")
        assert states[wait]["Parameters"]["Payload"]["token.$"] == "$$.Task.Token"
        assert [c["ErrorEquals"] for c in states[wait]["Catch"]] == [["PhaseOver"], ["States.ALL"]]
    routed = {c["Next"] for c in states["Where"]["Choices"]}
    assert routed == {"Locate", "AwaitDispatch", "AwaitUnit", "AwaitCallback", "OnLedger", "Archive"}
    definition = _definition(_machine(template(synthesized, "tianjin")))
    assert definition["StartAt"] == "Where"  # the start carries the status; by hand without one: Locate
    assert states["Where"]["Choices"][0] == {"Variable": "$.status", "IsPresent": False, "Next": "Locate"}
    assert all(states[w]["Next"] == "Where" for w in ("AwaitDispatch", "AwaitUnit", "AwaitCallback"))


def test_every_step_retries_transient_errors_with_backoff_and_fails_into_an_alert(synthesized):
    """Retry with backoff on transient errors, Catch to a path that tells ops and ends Failed."""
    states = _definition(_machine(template(synthesized, "tianjin")))["States"]
    for name in ("Locate", "AwaitDispatch", "AwaitUnit", "AwaitCallback", "Archive"):
        retried = {e for r in states[name]["Retry"] for e in r["ErrorEquals"]}
        assert {"Lambda.ServiceException", "Conflict", "Unavailable"} <= retried, name
        assert all(r["BackoffRate"] >= 2 for r in states[name]["Retry"])
        assert states[name]["Catch"][-1] == {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Alert"}
    assert states["Alert"]["Resource"].endswith("sns:publish") and states["Alert"]["Next"] == "Failed"


def test_failed_timed_out_or_aborted_executions_alarm_to_the_ops_topic(synthesized):
    t = template(synthesized, "baoding")
    ops = next(
        k for k, v in t.find_resources("AWS::SNS::Topic").items() if v["Properties"]["TopicName"].endswith("-ops")
    )
    for metric in ("ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"):
        t.has_resource_properties(
            "AWS::CloudWatch::Alarm",
            {"MetricName": metric, "Namespace": "AWS/States", "AlarmActions": [{"Ref": ops}], "Threshold": 1},
        )


def test_the_stream_reader_starts_and_resumes_executions_and_only_the_machine_invokes_the_steps(synthesized):
    """The orchestrator may start and resume this city's executions; the step function is invoked by
    the state machine alone, and no role of a task function names the state machine (no cycle)."""
    t = template(synthesized, "heze")
    policies = {k: json.dumps(v["Properties"]) for k, v in t.find_resources("AWS::IAM::Policy").items()}
    machine = next(iter(t.find_resources("AWS::StepFunctions::StateMachine")))
    starters = [k for k, doc in policies.items() if "states:StartExecution" in doc]
    resumers = [k for k, doc in policies.items() if "states:SendTaskSuccess" in doc]
    assert len(starters) == 1 and "orchestrate" in starters[0] and resumers == starters
    assert machine in policies[starters[0]]
    workflow = next(doc for k, doc in policies.items() if "workflowrole" in k)
    assert "states:" not in workflow and "records/*" in workflow


def test_routines_check_the_calendar_and_knowledge_daily_publish_the_rates_monthly_and_the_calendar_alarm_tells_ops(
    synthesized,
):
    """R-SLA-1: a missing holiday year raises an ops alarm; R-KB-1: units hear of stale entries;
    R-KPI-1: the month's figures are published on the 1st at 09:00 Beijing time."""
    t = template(synthesized, "weixi")
    rules = t.find_resources("AWS::Events::Rule")
    inputs = {json.loads(r["Properties"]["Targets"][0]["Input"])["routine"]: r for r in rules.values()}
    assert set(inputs) == {"calendar", "knowledge", "knowledge_monthly", "kpi_export", "topic_reviews"}
    schedules = {k: r["Properties"]["ScheduleExpression"] for k, r in inputs.items()}
    assert schedules == {
        "calendar": "cron(0 1 * * ? *)",
        "knowledge": "cron(0 1 * * ? *)",
        "knowledge_monthly": "cron(0 1 1 * ? *)",  # R-KB-4: each unit hears its month's usage
        "kpi_export": "cron(0 1 1 * ? *)",
        "topic_reviews": "cron(0 1 * * ? *)",
    }
    ops = next(
        k for k, v in t.find_resources("AWS::SNS::Topic").items() if v["Properties"]["TopicName"].endswith("-ops")
    )
    t.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"MetricName": "CalendarYearsMissing", "Namespace": "Hotline12345", "AlarmActions": [{"Ref": ops}],
         "TreatMissingData": "breaching"},
    )  # fmt: skip


def test_the_archive_is_an_athena_table_with_projected_partitions(synthesized):
    """R-CB-5: records/city=…/year=…/month=… is queryable without a crawler."""
    t = template(synthesized, "heze")
    [table] = t.find_resources("AWS::Glue::Table").values()
    spec = table["Properties"]["TableInput"]
    assert [k["Name"] for k in spec["PartitionKeys"]] == ["city", "year", "month"]
    assert spec["Parameters"]["projection.enabled"] == "true" and spec["Parameters"]["projection.city.values"] == "heze"
    assert spec["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"
    t.has_resource_properties("AWS::Glue::Database", {"DatabaseInput": {"Name": "hotline_heze"}})


def test_archive_retention_comes_from_the_city_file_compliance_in_prod(synthesized):
    """R-CB-5: object-lock retention is the city's `records.retention_years`; prod locks in
    compliance mode (nobody can shorten it), dev in governance mode."""
    days = city_config("tianjin").records.retention_years * 365
    for stage, mode in (("prod", "COMPLIANCE"), ("dev", "GOVERNANCE")):
        buckets = template(synthesized, "tianjin", stage).find_resources("AWS::S3::Bucket")
        [locked] = [b for b in buckets.values() if "ObjectLockConfiguration" in b["Properties"]]
        rule = locked["Properties"]["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
        assert rule == {"Mode": mode, "Days": days}


def test_a_city_file_may_set_its_own_archive_retention_but_not_zero(tmp_path):
    import yaml

    from hotline.config.loader import CITIES_DIR

    raw = yaml.safe_load((CITIES_DIR / "weixi.yaml").read_text(encoding="utf-8"))
    raw["records"] = {"retention_years": 50, "article": "维西县档案局规定"}
    (tmp_path / "weixi.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    assert load_city_file(tmp_path / "weixi.yaml").records.retention_years == 50
    raw["records"]["retention_years"] = 0
    (tmp_path / "weixi.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CityConfigError, match="retention_years"):
        load_city_file(tmp_path / "weixi.yaml")


def _statements(t: Template) -> list[tuple[str, dict]]:
    return [
        (name, st)
        for name, policy in t.find_resources("AWS::IAM::Policy").items()
        for st in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_only_orchestrate_counts_the_rates_and_stats_publishes_only_under_kpi(synthesized):
    """R-KPI-1, R-SEC-2: the stream reader alone writes the figures; the stats function reads
    them, writes governance topics only (items whose key starts TOPIC, R-GOV-3), and may write
    the archive bucket under kpi/ only; dispatch reads an order's links."""
    t = template(synthesized, "hohhot")
    [stats_table] = [k for k in t.find_resources("AWS::DynamoDB::Table") if k.startswith("StorageStats")]
    touching = [(n, st) for n, st in _statements(t) if stats_table in json.dumps(st.get("Resource"))]
    writers = {n for n, st in touching if "dynamodb:PutItem" in json.dumps(st["Action"])}
    readers = {n for n, st in touching}
    assert len(writers) == 2 and {"orchestrate" in n or "stats" in n for n in writers} == {True}
    [narrow] = [st for n, st in touching if "stats" in n and "dynamodb:PutItem" in json.dumps(st["Action"])]
    assert narrow["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["TOPIC*"]}}
    assert "dynamodb:DeleteItem" not in json.dumps(narrow["Action"])
    assert {"orchestrate" in n or "stats" in n or "dispatch" in n for n in readers} == {True}
    archive_writes = [
        json.dumps(st["Resource"])
        for n, st in _statements(t)
        if "stats" in n and "s3:PutObject" in json.dumps(st["Action"])
    ]
    assert archive_writes and all("/kpi/*" in r for r in archive_writes)


def test_staff_read_the_rates_at_get_stats_kpi_through_cognito(synthesized):
    """R-KPI-1: `GET /stats/kpi` is a staff route (Cognito), served by the stats function."""
    t = template(synthesized, "tianjin")
    t.has_resource_properties("AWS::ApiGateway::Resource", {"PathPart": "kpi"})
    t.has_resource_properties(
        "AWS::ApiGateway::Method",
        {"HttpMethod": "GET", "AuthorizationType": "COGNITO_USER_POOLS",
         "ResourceId": {"Ref": Match.string_like_regexp("statskpi")}},
    )  # fmt: skip


FUNCTIONS = ("intake", "dispatch", "timers", "callback", "notify", "sms", "orchestrate", "workflow", "stats", "pages")
DEAD_LETTERS = (
    "notify",
    "orchestrate",
    "timer-fires",
    "sms",
    "calendar",
    "knowledge",
    "knowledge-monthly",
    "kpi-export",
    "topic-reviews",
)
EXPECTED_ALARMS = {
    *(f"{fn}-Fault-Count-Errors" for fn in FUNCTIONS),
    *(f"{fn}-Throttled-Count-Throttles" for fn in FUNCTIONS),
    *(f"{q}-dlq-Queue-Message-Count-Max-Parked" for q in DEAD_LETTERS),
    "api-Fault-Count-Faults",
    "api-Latency-P99-P99",
    "executions-failed",
    "executions-timedout",
    "executions-aborted",
    "calendar-data-missing",
    "orders-overdue",
    "archive-attachment-missing",
}


def test_every_alarm_of_r_ops_2_exists_and_pages_the_ops_topic(synthesized):
    """R-OPS-2: per-function errors and throttles, dead-letter depth, failed/timed-out/aborted
    executions, API 5xx and p99 latency, overdue orders over the city's threshold, missing calendar
    data, archive gaps — each alarm goes to the city's ops topic, and nothing else alarms."""
    t = template(synthesized, "weixi")
    alarms = t.find_resources("AWS::CloudWatch::Alarm")
    names = {a["Properties"]["AlarmName"].removeprefix("hotline-weixi-") for a in alarms.values()}
    assert names == EXPECTED_ALARMS
    ops = next(
        k for k, v in t.find_resources("AWS::SNS::Topic").items() if v["Properties"]["TopicName"].endswith("-ops")
    )
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": ops}], alarm["Properties"]["AlarmName"]
    overdue = next(a for a in alarms.values() if a["Properties"]["AlarmName"].endswith("orders-overdue"))
    assert overdue["Properties"]["Threshold"] == city_config("weixi").supervision.overdue_alarm_per_day
    p99 = next(a for a in alarms.values() if a["Properties"]["AlarmName"].endswith("Latency-P99-P99"))
    assert p99["Properties"]["Threshold"] == 3000  # ms: a caller waits on the line


def test_each_city_has_one_dashboard_with_the_pipeline_and_the_days_volumes(synthesized):
    t = template(synthesized, "heze")
    [board] = t.find_resources("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(board["Properties"]["DashboardBody"])
    for shown in ("Requests_accepted", "MetricName=Requests channel", "Timer_mark_overdue", "Archived", "5XXError"):
        assert shown in body, shown


# The only actions granted on every resource, each because AWS offers nothing narrower.
STAR_ALLOWED = {
    "xray:PutTelemetryRecords", "xray:PutTraceSegments", "xray:GetSamplingRules", "xray:GetSamplingTargets",  # X-Ray
    "dynamodb:ListStreams",  # the event source mapping's lookup (CDK)
    "logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups", "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:UpdateLogDelivery",  # SFN logs
}  # fmt: skip


def test_no_role_is_granted_any_resource_beyond_what_aws_requires(synthesized):
    """R-SEC-2: every statement names its resources; `*` only for the actions AWS allows no
    narrower, and SMS to citizens' phones (which have no ARN) only from `sms` (issue 15 item 13)."""
    t = template(synthesized, "baoding")
    for name, st in _statements(t):
        resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
        if "*" not in resources:
            continue
        actions = set(st["Action"] if isinstance(st["Action"], list) else [st["Action"]])
        extra = actions - STAR_ALLOWED - ({"sns:Publish"} if name.startswith("Functionssmsrole") else set())
        assert not extra, (name, extra)


def test_a_city_may_put_waf_in_front_of_its_api_and_cdk_nag_stays_clean():
    """R-SEC-2: `security.waf` adds AWS's managed rule groups and a per-address rate limit,
    associated with the API's stage; without it the gateway has no WAF (and says so to cdk-nag)."""
    import aws_cdk as cdk
    from cdk_nag import AwsSolutionsChecks

    from hotline.config.schema import Security
    from infra.stacks.hotline_stack import HotlineStack

    config = city_config("weixi").model_copy(update={"security": Security(waf=True, waf_rate_limit=500)})
    app = cdk.App()
    stack = HotlineStack(app, "Hotline-weixi-waf", config=config)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    t = Template.from_stack(stack)
    [acl] = t.find_resources("AWS::WAFv2::WebACL").values()
    rules = {r["Name"]: r for r in acl["Properties"]["Rules"]}
    assert set(rules) == {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "PerAddressRate"}
    rate = rules["PerAddressRate"]["Statement"]["RateBasedStatement"]
    assert rate["Limit"] == 500
    headers = [s["SizeConstraintStatement"]["FieldToMatch"]["SingleHeader"]["Name"]
               for s in rate["ScopeDownStatement"]["AndStatement"]["Statements"]]  # fmt: skip
    assert headers == ["x-api-key", "authorization"]  # channels and staff have their usage plans
    t.resource_count_is("AWS::WAFv2::WebACLAssociation", 1)
    app.synth()  # cdk-nag runs as a validation plugin: any unacknowledged finding fails the synth


def test_the_archive_writers_may_list_the_bucket_so_a_missing_key_is_404_not_403(synthesized):
    """R-CB-5: every archive write checks with HeadObject first (a retry writes nothing); S3 answers
    a key not yet written with 404 only to a caller allowed to list the bucket, else 403."""
    t = template(synthesized, "hohhot")
    [archive] = [
        k for k, b in t.find_resources("AWS::S3::Bucket").items() if "ObjectLockConfiguration" in b["Properties"]
    ]
    listers = {n for n, st in _statements(t) if "s3:ListBucket" in json.dumps(st["Action"])
               and st["Resource"] == {"Fn::GetAtt": [archive, "Arn"]}}  # fmt: skip
    assert {"workflow" in n or "stats" in n for n in listers} == {True} and len(listers) == 2


def test_a_city_may_run_its_functions_on_snapstart_and_every_caller_then_invokes_the_live_alias(synthesized):
    """Issue 24: `runtime.snapstart` (off by default) publishes each function's version with
    SnapStart and a `live` alias; API Gateway, the stream and queue readers, the daily rules, the
    state machine and the Scheduler's target all invoke the alias (SnapStart serves published
    versions only), and cdk-nag stays clean. Off, no function has an alias or SnapStart."""
    import aws_cdk as cdk
    from cdk_nag import AwsSolutionsChecks

    from hotline.config.schema import Runtime
    from infra.stacks.hotline_stack import HotlineStack

    plain = template(synthesized, "weixi")
    assert not plain.find_resources("AWS::Lambda::Alias")
    assert all("SnapStart" not in f["Properties"] for f in plain.find_resources("AWS::Lambda::Function").values())

    config = city_config("weixi").model_copy(update={"runtime": Runtime(snapstart=True)})
    app = cdk.App()
    stack = HotlineStack(app, "Hotline-weixi-snapstart", config=config)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    t = Template.from_stack(stack)
    functions = t.find_resources("AWS::Lambda::Function")
    ours = {k: f for k, f in functions.items() if str(f["Properties"].get("FunctionName", "")).startswith("hotline-")}
    assert len(ours) == 10
    assert all(f["Properties"]["SnapStart"] == {"ApplyOn": "PublishedVersions"} for f in ours.values())
    aliases = t.find_resources("AWS::Lambda::Alias")
    assert len(aliases) == len(ours) and all(a["Properties"]["Name"] == "live" for a in aliases.values())

    def alias_of(value: object) -> bool:
        return any(k in json.dumps(value) for k in aliases)

    for mapping in t.find_resources("AWS::Lambda::EventSourceMapping").values():
        assert alias_of(mapping["Properties"]["FunctionName"])  # the stream readers and the SMS queue's
    for rule in t.find_resources("AWS::Events::Rule").values():
        assert all(alias_of(target["Arn"]) for target in rule["Properties"]["Targets"])
    for method in t.find_resources("AWS::ApiGateway::Method").values():
        if method["Properties"].get("Integration", {}).get("Type") == "AWS_PROXY":
            assert alias_of(method["Properties"]["Integration"]["Uri"])
    assert alias_of(t.find_resources("AWS::StepFunctions::StateMachine"))
    timers_env = next(f for f in ours.values() if f["Properties"]["FunctionName"] == "hotline-weixi-orchestrate")
    assert "hotline-weixi-timers:live" in json.dumps(timers_env["Properties"]["Environment"])
    app.synth()  # cdk-nag runs as a validation plugin: any unacknowledged finding fails the synth
