"""Issue 15 items 1 (infra), 10 and 13: the hash key, the stream filters, the routines' dead
letters, SMS apart from topic publishing, and log groups under the city's key."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

pytestmark = pytest.mark.slow


def template(synthesized, city: str, stage: str = "dev") -> Template:
    return Template.from_json(synthesized(city, stage)["template"])


def function_ids(t: Template) -> dict[str, str]:
    """Short function name (intake, notify, …) → logical id of its AWS::Lambda::Function."""
    return {
        f["Properties"]["FunctionName"].split("-", 2)[-1]: lid
        for lid, f in t.find_resources("AWS::Lambda::Function").items()
        if str(f["Properties"].get("FunctionName", "")).startswith("hotline-")
    }


def role_of(t: Template, fn_id: str) -> str:
    return t.find_resources("AWS::Lambda::Function")[fn_id]["Properties"]["Role"]["Fn::GetAtt"][0]


def statements_by_role(t: Template) -> dict[str, list[dict[str, Any]]]:
    """Role logical id → every statement of its attached inline policies."""
    out: dict[str, list[dict[str, Any]]] = {}
    for policy in t.find_resources("AWS::IAM::Policy").values():
        for role in policy["Properties"].get("Roles", []):
            out.setdefault(role["Ref"], []).extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return out


def listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def the_one(t: Template, kind: str) -> tuple[str, dict[str, Any]]:
    [(lid, resource)] = t.find_resources(kind).items()
    return lid, resource


def city_key(t: Template) -> str:
    return next(k for k in t.find_resources("AWS::KMS::Key") if k.startswith("StorageCityKey"))


# --- item 1 (R-SEC-1): the keyed hash's key is a per-stack secret ----------------------------------


def test_the_hash_key_is_a_secret_generated_at_deploy_under_the_city_key_read_only_by_intake_and_callback(
    synthesized,
):
    """R-SEC-1: the key of the citizen hashes is generated per stack (never a public constant),
    encrypted with the city's CMK; only the two functions that hash may read it, and only they are
    told where it is (`HASH_KEY_SECRET_ARN`)."""
    t = template(synthesized, "tianjin")
    secret_id, secret = the_one(t, "AWS::SecretsManager::Secret")
    props = secret["Properties"]
    generated = props["GenerateSecretString"]
    assert generated["SecretStringTemplate"] == "{}" and generated["GenerateStringKey"] == "current"
    assert generated["PasswordLength"] >= 48
    assert props["KmsKeyId"] == {"Fn::GetAtt": [city_key(t), "Arn"]}

    fns = function_ids(t)
    env = {name: t.find_resources("AWS::Lambda::Function")[lid]["Properties"]["Environment"]["Variables"]
           for name, lid in fns.items()}  # fmt: skip
    assert {n for n, v in env.items() if "HASH_KEY_SECRET_ARN" in v} == {"intake", "callback"}
    assert env["intake"]["HASH_KEY_SECRET_ARN"] == {"Ref": secret_id}

    roles = {role_of(t, lid): name for name, lid in fns.items()}
    readers = {
        roles.get(role, role)
        for role, statements in statements_by_role(t).items()
        for st in statements
        if {"Ref": secret_id} in listed(st["Resource"])
    }
    assert readers == {"intake", "callback"}
    for role, statements in statements_by_role(t).items():
        if roles.get(role) in ("intake", "callback"):
            granted = {
                a for st in statements if {"Ref": secret_id} in listed(st["Resource"]) for a in listed(st["Action"])
            }
            assert "secretsmanager:GetSecretValue" in granted and not any("Put" in a for a in granted)


def test_the_hash_key_is_retained_in_prod_and_destroyed_with_a_dev_stack(synthesized):
    """R-SEC-1: losing the key in prod would orphan every stored hash (duplicates, caller records)."""
    _, prod = the_one(template(synthesized, "tianjin", "prod"), "AWS::SecretsManager::Secret")
    _, dev = the_one(template(synthesized, "tianjin"), "AWS::SecretsManager::Secret")
    assert (prod["DeletionPolicy"], prod["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert dev["DeletionPolicy"] == "Delete"


# --- item 10 (R-TMR-1, R-DSP-13): stream filters pass only what each reader is for ---------------


def matches(pattern: Any, value: Any) -> bool:
    """The subset of Lambda's event filter grammar the stack uses: nested keys, exact values, prefix."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(k in value and matches(p, value[k]) for k, p in pattern.items())
    return any(
        (isinstance(rule, dict) and isinstance(value, str) and value.startswith(rule["prefix"])) or rule == value
        for rule in pattern
    )


def stream_filters(t: Template) -> dict[str, list[dict[str, Any]]]:
    """Function short name → the filter patterns of its DynamoDB stream mapping."""
    names = {lid: name for name, lid in function_ids(t).items()}
    return {
        names[m["Properties"]["FunctionName"]["Ref"]]: [
            json.loads(f["Pattern"]) for f in m["Properties"]["FilterCriteria"]["Filters"]
        ]
        for m in t.find_resources("AWS::Lambda::EventSourceMapping").values()
        if "FilterCriteria" in m["Properties"]
    }


def record(event: str, pk: str, sk: str) -> dict[str, Any]:
    return {"eventName": event, "dynamodb": {"Keys": {"pk": {"S": pk}, "sk": {"S": sk}}}}


STRIKES = [record("INSERT", "CALLER#9f2c", "META"), record("MODIFY", "CALLER#9f2c", "META")]
OTHERS = [record("INSERT", "KB#tianjin-001", "2026-11"), record("MODIFY", "HOT#heping#x#water", "2026-11-02")]


def test_orchestrate_reads_ticket_records_only_never_a_callers_strike(synthesized):
    """Issue 15 item 10, R-TMR-1: `sk = META` matched caller records too, and each strike failed
    the planner's batch; the filter now names the ticket's key shape (`TICKET#…` / `META`)."""
    [pattern] = stream_filters(template(synthesized, "tianjin"))["orchestrate"]
    for passed in (record("INSERT", "TICKET#TJ-1", "META"), record("MODIFY", "TICKET#TJ-1", "META")):
        assert matches(pattern, passed)
    for kept_out in [*STRIKES, *OTHERS, record("INSERT", "TICKET#TJ-1", "EVENT#0001"),
                     record("MODIFY", "TICKET#TJ-1", "WAIT")]:  # fmt: skip
        assert not matches(pattern, kept_out), kept_out


def test_notify_reads_the_tickets_writes_only(synthesized):
    """R-DSP-13: notices come from each write of a ticket, the events it added riding on the item
    (issue 24: no read per event); never a caller, KB or hotspot item, nor the events themselves."""
    [pattern] = stream_filters(template(synthesized, "tianjin"))["notify"]
    for passed in (record("INSERT", "TICKET#TJ-1", "META"), record("MODIFY", "TICKET#TJ-1", "META")):
        assert matches(pattern, passed)
    for kept_out in [*STRIKES, *OTHERS, record("INSERT", "TICKET#TJ-1", "EVENT#0001"),
                     record("MODIFY", "TICKET#TJ-1", "WAIT"), record("INSERT", "CALLER#9f2c", "EVENT#x")]:  # fmt: skip
        assert not matches(pattern, kept_out), kept_out


# --- item 13 (R-OPS-2, R-SEC-2, R-SEC-1) -----------------------------------------------------------


def is_city_key(t: Template, ref: Any) -> bool:
    return ref == {"Fn::GetAtt": [city_key(t), "Arn"]}


def test_every_routine_retries_then_parks_in_its_own_encrypted_dead_letter_queue_that_alarms(synthesized):
    """R-OPS-2: a calendar check, knowledge review or monthly export that fails past its retries is
    parked (SQS, the city's key, TLS only) and pages ops, never lost silently."""
    t = template(synthesized, "weixi")
    rules = t.find_resources("AWS::Events::Rule")
    queues = t.find_resources("AWS::SQS::Queue")
    assert len(rules) == 5  # calendar, knowledge, topic reviews (R-GOV-3), the monthly export, KB usage (R-KB-4)
    parked = set()
    for rule in rules.values():
        [target] = rule["Properties"]["Targets"]
        assert target["RetryPolicy"]["MaximumRetryAttempts"] >= 2, rule
        assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] > 0
        queue = target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
        assert is_city_key(t, queues[queue]["Properties"]["KmsMasterKeyId"])
        parked.add(queue)
    assert len(parked) == 5  # one queue per routine: ops knows which one failed
    tls_only = {
        p["Properties"]["Queues"][0]["Ref"]
        for p in t.find_resources("AWS::SQS::QueuePolicy").values()
        if any(st["Effect"] == "Deny" and st.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
               for st in p["Properties"]["PolicyDocument"]["Statement"])
    }  # fmt: skip
    assert parked <= tls_only
    alarms = [a["Properties"] for a in t.find_resources("AWS::CloudWatch::Alarm").values()]
    for routine in ("calendar", "knowledge", "kpi-export"):
        [alarm] = [a for a in alarms if a["AlarmName"] == f"hotline-weixi-{routine}-dlq-Queue-Message-Count-Max-Parked"]
        [dims] = [m.get("MetricStat", {}).get("Metric", {}).get("Dimensions") for m in alarm.get("Metrics", [{}])] or [
            alarm.get("Dimensions")
        ]
        assert any(d.get("Value", {}).get("Fn::GetAtt", [None])[0] in parked for d in dims or alarm["Dimensions"])
    # EventBridge writes the encrypted queues: the key lets it, for this city's rules only
    key_policy = json.dumps(t.find_resources("AWS::KMS::Key")[city_key(t)]["Properties"]["KeyPolicy"])
    assert "events.amazonaws.com" in key_policy and ":rule/hotline-weixi-" in key_policy


def sns_publish(statements: list[dict[str, Any]]) -> list[Any]:
    return [r for st in statements if "sns:Publish" in listed(st["Action"]) for r in listed(st["Resource"])]


def test_only_the_sms_function_may_publish_to_phone_numbers_and_notify_only_to_named_topics(synthesized):
    """R-SEC-2 (issue 15 item 13): SMS to a phone number needs `sns:Publish` on `*`; that grant is
    the sms function's alone, which may do nothing else with SNS. notify publishes to the unit
    topics and the emergency topic, and hands each citizen SMS to a queue without the phone number."""
    t = template(synthesized, "baoding")
    fns = function_ids(t)
    by_role = statements_by_role(t)
    star = {name for name, lid in fns.items() if "*" in sns_publish(by_role[role_of(t, lid)])}
    assert star == {"sms"}
    notify = sns_publish(by_role[role_of(t, fns["notify"])])
    assert notify and "*" not in notify
    emergency = next(k for k, v in t.find_resources("AWS::SNS::Topic").items()
                     if v["Properties"]["TopicName"].endswith("-emergency"))  # fmt: skip
    assert {"Ref": emergency} in notify
    # the citizen SMS queue: notify sends, sms consumes, failures park in a dead-letter queue that alarms
    queues = t.find_resources("AWS::SQS::Queue")
    [sms_queue] = [k for k, q in queues.items() if q["Properties"].get("QueueName") == "hotline-baoding-citizen-sms"]
    assert is_city_key(t, queues[sms_queue]["Properties"]["KmsMasterKeyId"])
    dlq = queues[sms_queue]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    assert queues[sms_queue]["Properties"]["RedrivePolicy"]["maxReceiveCount"] >= 3
    sends = [st for st in by_role[role_of(t, fns["notify"])] if "sqs:SendMessage" in listed(st["Action"])]
    sent_to = {r["Fn::GetAtt"][0] for st in sends for r in listed(st["Resource"])}
    assert sent_to == {sms_queue, next(k for k in queues if k.startswith("NotifyNotifyDlq"))}  # + its stream's parking
    [mapping] = [m["Properties"] for m in t.find_resources("AWS::Lambda::EventSourceMapping").values()
                 if m["Properties"]["FunctionName"] == {"Ref": fns["sms"]}]  # fmt: skip
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [sms_queue, "Arn"]}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    sms_env = t.find_resources("AWS::Lambda::Function")[fns["sms"]]["Properties"]["Environment"]["Variables"]
    notify_env = t.find_resources("AWS::Lambda::Function")[fns["notify"]]["Properties"]["Environment"]["Variables"]
    assert notify_env["CITIZEN_SMS_QUEUE_URL"] == {"Ref": sms_queue} and "CITIZEN_SMS_QUEUE_URL" not in sms_env
    alarms = {a["Properties"]["AlarmName"] for a in t.find_resources("AWS::CloudWatch::Alarm").values()}
    assert {
        "hotline-baoding-sms-dlq-Queue-Message-Count-Max-Parked",
        "hotline-baoding-sms-Fault-Count-Errors",
    } <= alarms
    assert dlq in queues


def test_every_log_group_is_encrypted_with_the_city_key_which_lets_cloudwatch_logs_use_it_for_its_own(
    synthesized,
):
    """R-SEC-1 (issue 15 item 13): functions, the state machine and the API's access log write
    citizens' data; every log group is under the city's CMK, and the key lets CloudWatch Logs in
    this region use it for this city's log groups only."""
    t = template(synthesized, "hohhot")
    groups = t.find_resources("AWS::Logs::LogGroup")
    assert len(groups) >= 10
    for lid, group in groups.items():
        assert is_city_key(t, group["Properties"].get("KmsKeyId")), lid
    statements = t.find_resources("AWS::KMS::Key")[city_key(t)]["Properties"]["KeyPolicy"]["Statement"]
    [logs] = [st for st in statements if "logs." in json.dumps(st["Principal"])]
    assert "kms:GenerateDataKey*" in logs["Action"] and "kms:Decrypt*" in logs["Action"]
    context = json.dumps(logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"])
    for prefix in ("log-group:/aws/lambda/hotline-hohhot-", "log-group:/aws/vendedlogs/states/hotline-hohhot-",
                   "log-group:/aws/apigateway/hotline-hohhot-"):  # fmt: skip
        assert prefix in context
