"""Every environment variable a function reads, typed and validated in one place (issue 16).

`Settings.from_env()` is called once per container by `hotline.wiring`; nothing else reads
`os.environ` but the entry (hotline/entry.py), for the Lambda runtime's own
`AWS_LAMBDA_INITIALIZATION_TYPE`, before pydantic is imported. What every function needs (the
city and the ticket table) is required and fails at start with a message naming the variable;
what only some functions need is optional here and refused, with the same kind of message, by
`need()` when the port that uses it is first built.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

# The repository's cities (synth, tests, the local cloud): the default of HOTLINE_CITIES_DIR.
# In Lambda the city's config is baked beside the function (HOTLINE_CITY_CONFIG, HOTLINE_KB).
REPOSITORY_CITIES = Path(__file__).resolve().parents[4] / "infra" / "cities"

# What the stack passes each variable for: the message a missing one fails with.
PURPOSE = {
    "TABLE_NAME": "the stack passes the ticket table to every function",
    "STATS_TABLE": "the stack passes the statistics table to every function",
    "IDEMPOTENCY_TABLE": "the stack passes the idempotency table to the functions that dedupe retries",
    "CITY_KEY_ARN": "the stack passes the city's KMS key to every function",
    "HASH_KEY_SECRET_ARN": (
        "the stack passes the ARN of the hash-key secret to the functions that hash phones and query codes "
        "(R-SEC-1); refusing to start without it"
    ),
    "CITIZEN_SMS_QUEUE_URL": "the stack passes the citizen-SMS queue to notify",
    "UNIT_TOPIC_ARN_PREFIX": "the stack passes the prefix of the units' topics to notify",
    "ARCHIVE_BUCKET": "the stack passes the archive bucket to the workflow and stats functions",
    "STATE_MACHINE_ARN": "the stack passes the order state machine to orchestrate",
    "SCHEDULE_GROUP": "the stack passes the Scheduler group to orchestrate",
    "TIMERS_FUNCTION_ARN": "the stack passes the timers function (the schedules' target) to orchestrate",
    "SCHEDULER_ROLE_ARN": "the stack passes the role the Scheduler invokes timers with to orchestrate",
}


def variable(name: str) -> str | None:
    """One variable, for an adapter called outside a wired container (a script, a test)."""
    return os.environ.get(name) or None


class SettingsError(RuntimeError):
    """A variable the stack should have passed is missing or malformed."""


def _missing(env: str) -> SettingsError:
    return SettingsError(f"{env} is not set: {PURPOSE.get(env, 'the stack passes it')}")


class Settings(BaseModel):
    """The function's environment (infra/constructs: one environment for the whole stack)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # the city: its baked config (Lambda) or its name, read from `cities_dir` (tests, the repository)
    city: str | None = Field(None, alias="HOTLINE_CITY")
    city_config: Path | None = Field(None, alias="HOTLINE_CITY_CONFIG")
    kb: Path | None = Field(None, alias="HOTLINE_KB")
    cities_dir: Path | None = Field(None, alias="HOTLINE_CITIES_DIR")
    table_name: str = Field(alias="TABLE_NAME", min_length=3)
    stats_table: str | None = Field(None, alias="STATS_TABLE")
    idempotency_table: str | None = Field(None, alias="IDEMPOTENCY_TABLE")
    city_key_arn: str | None = Field(None, alias="CITY_KEY_ARN")
    hash_key_secret_arn: str | None = Field(None, alias="HASH_KEY_SECRET_ARN")
    attachments_bucket: str | None = Field(None, alias="ATTACHMENTS_BUCKET")
    archive_bucket: str | None = Field(None, alias="ARCHIVE_BUCKET")
    state_machine_arn: str | None = Field(None, alias="STATE_MACHINE_ARN")
    schedule_group: str | None = Field(None, alias="SCHEDULE_GROUP")
    timers_function_arn: str | None = Field(None, alias="TIMERS_FUNCTION_ARN")
    scheduler_role_arn: str | None = Field(None, alias="SCHEDULER_ROLE_ARN")
    timers_dlq_arn: str | None = Field(None, alias="TIMERS_DLQ_ARN")
    unit_topic_arn_prefix: str | None = Field(None, alias="UNIT_TOPIC_ARN_PREFIX")
    emergency_topic_arn: str = Field("", alias="EMERGENCY_TOPIC_ARN")
    center_topic_arn_prefix: str = Field("", alias="CENTER_TOPIC_ARN_PREFIX")
    citizen_sms_queue_url: str | None = Field(None, alias="CITIZEN_SMS_QUEUE_URL")
    open311_key_id: str | None = Field(None, alias="OPEN311_KEY_ID")  # the key Open311 sends in its form
    notifier: str | None = Field(None, alias="HOTLINE_NOTIFIER", pattern=r"^[\w.]+:\w+$")
    region: str | None = None
    endpoint: str | None = Field(None, alias="AWS_ENDPOINT_URL")
    endpoints: dict[str, str] = {}  # AWS_ENDPOINT_URL_<SERVICE>: the local cloud sets them

    @model_validator(mode="after")
    def _a_city(self) -> Settings:
        if not self.city and not self.city_config:
            raise ValueError("HOTLINE_CITY or HOTLINE_CITY_CONFIG must be set: which city this stack serves")
        return self

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and validate; every problem is one SettingsError naming the variables."""
        env = os.environ if environ is None else environ
        names = {f.alias for f in cls.model_fields.values() if f.alias}
        data: dict[str, object] = {k: v for k, v in env.items() if k in names and v != ""}
        data["region"] = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None
        prefix = "AWS_ENDPOINT_URL_"
        data["endpoints"] = {k.removeprefix(prefix): v for k, v in env.items() if k.startswith(prefix) and v}
        if "TABLE_NAME" not in data:
            raise _missing("TABLE_NAME")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'environment'}: {e['msg']}" for e in exc.errors())
            raise SettingsError(f"the function's environment is not valid: {problems}") from None

    def need(self, field: str) -> str:
        """An optional variable that the port being built requires: its value, or a clear refusal."""
        value = getattr(self, field)
        if not value:
            raise _missing(str(type(self).model_fields[field].alias))
        return str(value)

    def aws(self, service: str) -> dict[str, str | None]:
        """Region and endpoint of an AWS service (the local cloud sets both)."""
        return {"region": self.region, "host": self.endpoints.get(service) or self.endpoint}
