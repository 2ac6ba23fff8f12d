"""The embedded AWS emulator: moto's server in this process, plus the three hooks it needs.

1. Lambda runs in-process: moto would start a Docker container; we import the deployed
   function's own code (extracted from its uploaded asset) and call its handler with the
   function's environment. The same hook serves API Gateway, `lambda:Invoke`, stream event
   source mappings and Scheduler targets.
2. Every SNS publish is captured in an outbox (SMS, topic messages and their subscribers).
3. The clock the functions read is moved by the local cloud, never by the wall.
"""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import inspect
import io
import json
import logging
import os
import sys
import threading
import traceback
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

ACCOUNT = "123456789012"
REGION = "ap-southeast-1"
TASK_ROOT = "/var/task"
PER_FUNCTION_ENV = {"POWERTOOLS_SERVICE_NAME"}  # everything else is the same for the whole stack


@dataclass
class LambdaContext:
    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local"
    function_version: str = "$LATEST"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


class _RoutedStdout(io.TextIOBase):
    """stdout that sends what a function prints (EMF metrics, logs) to the functions' log, like
    CloudWatch would, and everything else to the terminal; per thread, so invocations may overlap."""

    def __init__(self, terminal: Any) -> None:
        self.terminal = terminal
        self.local = threading.local()

    def _target(self) -> Any:
        return getattr(self.local, "target", None) or self.terminal

    def write(self, text: str) -> int:
        return int(self._target().write(text))

    def flush(self) -> None:
        self._target().flush()


class FunctionRunner:
    """Imports each deployed function once, from its own code, and calls its handler."""

    def __init__(self, work_dir: Path, log_file: Path) -> None:
        self.work_dir = work_dir
        self.log_file = log_file
        self._modules: dict[str, ModuleType] = {}
        self._import_lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._log_handle: Any = None

    @property
    def _log(self) -> Any:
        if self._log_handle is None:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            self._log_handle = self.log_file.open("a", encoding="utf-8", buffering=1)
        return self._log_handle

    def _load(self, fn: Any) -> ModuleType:
        key = f"{fn.function_name}:{fn.code_sha_256}"
        with self._import_lock:
            if key in self._modules:
                return self._modules[key]
            code_dir = self.work_dir / fn.function_name / fn.code_sha_256[:16].replace("/", "_")
            if not code_dir.exists():
                with zipfile.ZipFile(io.BytesIO(fn.code_bytes)) as z:
                    z.extractall(code_dir)
            env = {k: str(v).replace(TASK_ROOT, str(code_dir)) for k, v in (fn.environment_vars or {}).items()}
            shared = {k: v for k, v in env.items() if k not in PER_FUNCTION_ENV}
            if any(os.environ.get(k) != v for k, v in shared.items()):
                # one process hosts every function: what this one is given (its Scheduler group,
                # its queue…) joins the environment, and the ports are wired again from it
                from hotline.wiring import deps

                deps.cache_clear()
            os.environ.update(shared)
            saved = {k: os.environ.get(k) for k in PER_FUNCTION_ENV}
            os.environ.update({k: env[k] for k in PER_FUNCTION_ENV if k in env})
            module_file, _, _attr = fn.handler.rpartition(".")
            spec = importlib.util.spec_from_file_location(
                f"local_fn_{fn.function_name.replace('-', '_')}", code_dir / f"{module_file.replace('.', '/')}.py"
            )
            assert spec and spec.loader
            module = importlib.util.module_from_spec(spec)
            # registered before it runs, as the Lambda runtime's import does: pydantic (and anything
            # else that resolves postponed annotations) looks the module up in sys.modules
            sys.modules[spec.name] = module
            try:
                with redirect_stdout(self._log):  # the function's loggers write to its log file, like CloudWatch
                    spec.loader.exec_module(module)
                    # one process hosts every function, and its service name is set only now: its
                    # code is loaded at once, as SnapStart's init would (hotline/entry.py)
                    if callable(getattr(module, "load", None)):
                        module.load()
            except BaseException:
                sys.modules.pop(spec.name, None)
                raise
            finally:
                for k, v in saved.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v
            self._modules[key] = module
            self._locks.setdefault(fn.function_name, threading.Lock())
            return module

    def load(self, function_arn: str) -> ModuleType:
        """The deployed function's handler module, imported as its first invocation would."""
        from moto.awslambda.models import lambda_backends

        return self._load(lambda_backends[ACCOUNT][REGION].get_function(function_arn))

    def invoke(self, fn: Any, event: Any) -> tuple[str, bool, str]:
        module = self._load(fn)
        handler: Callable[[Any, Any], Any] = getattr(module, fn.handler.rpartition(".")[2])
        payload = json.loads(event) if isinstance(event, str | bytes) and event else (event or {})
        context = LambdaContext(fn.function_name, fn.function_arn, int(fn.memory_size or 512))
        routed = sys.stdout if isinstance(sys.stdout, _RoutedStdout) else None
        with self._locks[fn.function_name]:  # one instance per function, as a cold account would have
            if routed is not None:
                routed.local.target = self._log
            try:
                result = handler(payload, context)
            except Exception as exc:  # the Lambda runtime's own error shape
                causes = [repr(c) for c in getattr(exc, "child_exceptions", [])]
                trace = "".join(traceback.format_exception(exc))
                self._log.write(json.dumps({"function": fn.function_name, "error": repr(exc), "causes": causes,
                                            "trace": trace}, default=str) + "\n")  # fmt: skip
                body = {
                    "errorMessage": str(exc),
                    "errorType": type(exc).__name__,
                    "stackTrace": traceback.format_tb(exc.__traceback__),
                }
                return json.dumps(body), True, ""
            finally:
                if routed is not None:
                    routed.local.target = None
        return json.dumps(result, default=str), False, ""


@dataclass
class Sent:
    at: str
    to: str  # unit id, phone number or topic name
    topic: str | None
    phone: str | None
    subject: str | None
    message: str
    attributes: dict[str, str]

    def matches(self, who: str | None) -> bool:
        return who is None or who in (self.to, self.topic, self.phone) or (self.topic or "").endswith(f":{who}")


class Outbox:
    """Every notification the stack sent, in order (SPEC §11 `/_local/outbox`)."""

    def __init__(self, clock: Callable[[], str], unit_topic_prefix: str = "") -> None:
        self.clock = clock
        self.unit_topic_prefix = unit_topic_prefix
        self.sent: list[Sent] = []
        self._lock = threading.Lock()

    def record(self, message: str, arn: str | None, phone: str | None, subject: str | None, attrs: Any) -> None:
        topic = arn.rsplit(":", 1)[-1] if arn else None
        to = phone or topic or ""
        if topic and self.unit_topic_prefix and topic.startswith(self.unit_topic_prefix):
            to = topic[len(self.unit_topic_prefix) :]
        values = {k: str(v.get("Value", v.get("StringValue", ""))) for k, v in (attrs or {}).items()}
        with self._lock:
            self.sent.append(Sent(self.clock(), to, topic, phone, subject, message, values))

    def query(self, to: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [s.__dict__ for s in self.sent if s.matches(to)]


class Emulator:
    """moto's server on a loopback port, with the hooks above installed."""

    def __init__(self, state_dir: Path, clock: Callable[[], str]) -> None:
        self.state_dir = state_dir
        self.runner = FunctionRunner(state_dir / "functions", state_dir / "functions.log")
        self.outbox = Outbox(clock)
        self.server: Any = None
        self.endpoint = ""

    def start(self, port: int = 0) -> str:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._install_hooks()
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self.server.start()
        host, bound = self.server.get_host_and_port()
        self.endpoint = f"http://{host}:{bound}"
        os.environ.update(
            MOTO_PORT=str(bound),  # where the emulator's own Step Functions sends its task calls
            AWS_ENDPOINT_URL=self.endpoint,
            AWS_ACCESS_KEY_ID="local",
            AWS_SECRET_ACCESS_KEY="local",  # noqa: S106 - the emulator accepts any credential
            AWS_DEFAULT_REGION=REGION,
            AWS_REGION=REGION,
            CDK_DEFAULT_ACCOUNT=ACCOUNT,
            CDK_DEFAULT_REGION=REGION,
        )
        return self.endpoint

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def _install_hooks(self) -> None:
        from moto.awslambda.models import LambdaFunction
        from moto.core.config import default_user_config
        from moto.sns.models import SNSBackend

        default_user_config["stepfunctions"] = {"execute_state_machine": True}  # run executions, not record them

        runner, outbox = self.runner, self.outbox

        def invoke_in_process(fn: Any, event: Any = None) -> tuple[str, bool, str]:
            return runner.invoke(fn, event)

        original_publish = SNSBackend.publish

        def publish(backend: Any, message: str, arn: str | None, phone_number: str | None = None, **kw: Any) -> str:
            message_id: str = original_publish(backend, message, arn, phone_number=phone_number, **kw)
            outbox.record(message, arn, phone_number, kw.get("subject"), kw.get("message_attributes"))
            return message_id

        if not isinstance(sys.stdout, _RoutedStdout):
            sys.stdout = _RoutedStdout(sys.stdout)
        LambdaFunction._invoke_lambda = invoke_in_process  # type: ignore[method-assign]
        SNSBackend.publish = publish  # type: ignore[method-assign,assignment]
        mend_moto()


def mend_moto() -> None:
    """Bugs of the emulator that a real deploy does not have; each fixed where it is, not in the template."""
    from moto.kms.models import KmsBackend

    create_key = KmsBackend.create_key
    if getattr(create_key, "mended", False):
        return
    _mend_streams()
    _mend_secrets()
    _mend_transactions()
    importlib.import_module("hotline_local.moto_query").mend()  # first: it wraps moto's own Query
    _mend_queries()

    signature = inspect.signature(create_key)

    def create_key_with_cfn_tags(backend: Any, *args: Any, **kw: Any) -> Any:
        # CloudFormation passes Tags as Key/Value; moto's KMS tagger expects TagKey/TagValue.
        call = signature.bind(backend, *args, **kw)
        tags = call.arguments.get("tags") or []
        call.arguments["tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} if "Key" in t else t for t in tags]
        return create_key(*call.args, **call.kwargs)

    create_key_with_cfn_tags.mended = True  # type: ignore[attr-defined]
    KmsBackend.create_key = create_key_with_cfn_tags  # type: ignore[method-assign]


_QUERYING = threading.local()


def _mend_queries() -> None:
    """moto answers every Query by sorting every item of the table, so reading one ticket's
    events cost time in proportion to the whole table. A Query of the table reads its one
    partition; a Query of an index still looks at every item (moto keeps no index), unsorted,
    since the results are sorted by the index keys afterwards. Scans are left as they are."""
    from moto.dynamodb.models.table import Table

    original_query, original_all_items = Table.query, Table.all_items
    if getattr(original_query, "mended", False):
        return
    signature = inspect.signature(original_query)

    def all_items(table: Any) -> list[Any]:
        if getattr(_QUERYING, "table", None) is not table:
            return original_all_items(table)  # type: ignore[no-any-return]
        hash_key = _QUERYING.hash_key
        if hash_key is not None:
            found = table.items.get(hash_key)
            return [] if found is None else list(found.values()) if table.range_key_attr else [found]
        return [i for bucket in table.items.values() for i in (bucket.values() if table.range_key_attr else [bucket])]

    def query(table: Any, *args: Any, **kw: Any) -> Any:
        call = signature.bind(table, *args, **kw)
        by_key = None if call.arguments.get("index_name") else call.arguments.get("hash_key")
        _QUERYING.table, _QUERYING.hash_key = table, by_key
        try:
            return original_query(*call.args, **call.kwargs)
        finally:
            _QUERYING.table = _QUERYING.hash_key = None

    query.mended = True  # type: ignore[attr-defined]
    Table.query = query  # type: ignore[method-assign]
    Table.all_items = all_items  # type: ignore[method-assign]


_STREAM_LOCK = threading.RLock()


def _passes(esm: Any, record: Any) -> bool:
    """Lambda's event filtering, which moto leaves out: a mapping with FilterCriteria gets only
    the records one of its patterns matches (the patterns are EventBridge's, so moto's EventBridge
    matcher judges them). Without it every write to the tickets table — a caller's strike, a KB
    entry — woke every stream reader, and a reader saw records the stack never sends it."""
    from moto.events.models import EventPattern

    filters = (getattr(esm, "filter_criteria", None) or {}).get("Filters") or []
    if not filters:
        return True
    event = json.loads(json.dumps(record.to_json(), default=str))
    return any(EventPattern.load(f["Pattern"]).matches_event(event) for f in filters)


def _mend_streams() -> None:
    """moto hands a stream's consumers every record not yet delivered, from whichever thread wrote,
    so two threads writing at once (an API call and a running execution) deliver the same records
    twice. Deliver each record once, in write order; a consumer's own writes nest (re-entrant)."""
    from moto.awslambda.utils import get_backend
    from moto.dynamodb.models.table import StreamRecord, StreamShard

    def add(shard: Any, old: Any, new: Any) -> None:
        kind = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
        with _STREAM_LOCK:
            seq = len(shard.items) + shard.starting_sequence_number
            record = StreamRecord(shard.table, shard.table.stream_specification["StreamViewType"], kind, old, new, seq)
            shard.items.append(record)  # kept for GetRecords readers
        held = getattr(_HELD, "records", None)
        if held is not None:
            held.append((shard, record))  # a transaction's records go out once all of it is written
        else:
            deliver(shard, record)

    def deliver(shard: Any, record: Any) -> None:
        with _STREAM_LOCK:
            for arn, esm in shard.table.lambda_event_source_mappings.items():
                if not _passes(esm, record):
                    continue
                get_backend(shard.account_id, arn.split(":")[3]).send_dynamodb_items(
                    arn, [record], esm.event_source_arn
                )

    StreamShard.add = add  # type: ignore[method-assign]
    StreamShard.deliver = deliver  # type: ignore[attr-defined]


# The stream records of the transaction being applied on this thread. moto streams each item as
# it writes it, so a reader woken by the ticket's record would see the ticket without its event
# (the archive step once archived a decision's ticket without the decision). They are delivered
# once the whole transaction is written, still under its tables' locks so records keep their order;
# a transaction that fails delivers nothing, as DynamoDB streams only what it wrote.
_HELD = threading.local()


# One lock per table, not one for all: a transaction's stream delivery runs the readers, which
# call the emulator over HTTP, so a reader's own transaction (orchestrate counting the rates into
# the statistics table) runs on another thread while its trigger still holds the tickets table.
_TABLE_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()
_NO_COPIES = [0]  # transactions in flight that need moto's whole-table backup switched off


def _table_lock(name: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _TABLE_LOCKS.setdefault(name, threading.Lock())


@contextlib.contextmanager
def _no_table_copies() -> Iterator[None]:
    from moto.dynamodb.models.table import Table

    with _LOCKS_GUARD:
        if _NO_COPIES[0] == 0:
            Table.__deepcopy__ = lambda self, memo: self  # type: ignore[attr-defined]
        _NO_COPIES[0] += 1
    try:
        yield
    finally:
        with _LOCKS_GUARD:
            _NO_COPIES[0] -= 1
            if _NO_COPIES[0] == 0:
                del Table.__deepcopy__  # type: ignore[attr-defined]


def _mend_transactions() -> None:
    """moto backs up every table a transaction touches by deep-copying the whole table, so each
    TransactWriteItems costs time in proportion to the table: a city with a year of tickets would
    crawl. Back up only the items the transaction names, and put them back if it fails. Hold
    each table it writes while it applies and while its stream records are delivered."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType

    original = DynamoDBBackend.transact_write_items
    if getattr(original, "mended", False):
        return

    def slot(table: Any, key: dict[str, Any]) -> tuple[Any, Any]:
        h = DynamoType(key[table.hash_key_attr])
        return h, DynamoType(key[table.range_key_attr]) if table.has_range_key else None

    def transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> None:
        ops = [next(iter(entry.values())) for entry in transact_items]
        names = sorted({op.get("TableName") for op in ops if op.get("TableName") in backend.tables})
        with contextlib.ExitStack() as held:
            for name in names:  # one order: no lock cycles
                held.enter_context(_table_lock(name))
            saved: list[tuple[Any, Any, Any, Any]] = []  # before-images, taken under the locks
            for op in ops:
                table = backend.tables.get(op.get("TableName"))
                if table is None:
                    continue
                h, r = slot(table, op.get("Key") or op.get("Item") or {})
                prior = table.get_item(h, r)
                saved.append((table, h, r, copy.deepcopy(prior) if prior is not None else None))
            held.enter_context(_no_table_copies())
            _HELD.records = records = []
            try:
                original(backend, transact_items)
            except Exception:
                for table, h, r, prior in reversed(saved):
                    bucket = table.items[h] if table.has_range_key else table.items
                    k = r if table.has_range_key else h
                    if prior is None:
                        bucket.pop(k, None)
                    else:
                        bucket[k] = prior
                raise
            finally:
                _HELD.records = None
            for shard, record in records:
                shard.deliver(record)

    transact_write_items.mended = True  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def _mend_secrets() -> None:
    """moto's CloudFormation has no AWS::SecretsManager::Secret: it skipped the stack's hash-key
    secret (R-SEC-1), so every Ref to it was empty and IAM refused the grant. Create it as
    CloudFormation would, with its string generated from GenerateSecretString."""
    from moto.cloudformation import parsing
    from moto.core.common_models import CloudFormationModel
    from moto.secretsmanager.models import secretsmanager_backends

    if "AWS::SecretsManager::Secret" in parsing.get_model_map():
        return

    class GeneratedSecret(CloudFormationModel):
        def __init__(self, arn: str) -> None:
            self.arn = arn

        @property
        def physical_resource_id(self) -> str:
            return self.arn

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::SecretsManager::Secret"

        @staticmethod
        def cloudformation_name_type() -> str:
            return "Name"

        @classmethod
        def create_from_cloudformation_json(  # type: ignore[override]
            cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
        ) -> GeneratedSecret:
            props = cloudformation_json.get("Properties", {})
            backend = secretsmanager_backends[account_id][region_name]
            value, generate = props.get("SecretString"), props.get("GenerateSecretString")
            if value is None and generate:
                random = json.loads(backend.get_random_password(
                    password_length=int(generate.get("PasswordLength", 32)),
                    exclude_characters=generate.get("ExcludeCharacters", ""),
                    exclude_numbers=bool(generate.get("ExcludeNumbers")),
                    exclude_punctuation=bool(generate.get("ExcludePunctuation")),
                    exclude_uppercase=bool(generate.get("ExcludeUppercase")),
                    exclude_lowercase=bool(generate.get("ExcludeLowercase")),
                    include_space=bool(generate.get("IncludeSpace")),
                    require_each_included_type=bool(generate.get("RequireEachIncludedType", True)),
                ))["RandomPassword"]  # fmt: skip
                key, template = generate.get("GenerateStringKey"), generate.get("SecretStringTemplate")
                value = json.dumps({**json.loads(template), key: random}) if key and template else random
            answer = backend.create_secret(
                name=resource_name, secret_string=value, secret_binary=None, description=props.get("Description"),
                tags=props.get("Tags"), kms_key_id=props.get("KmsKeyId"), client_request_token=None,
                replica_regions=[], force_overwrite=False,
            )  # fmt: skip
            return cls(json.loads(answer)["ARN"])

    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
