"""THE function factory: every Lambda of the stack is made here, the same way.

Runtime, architecture, JSON logs into an owned log group under the city's key, tracing, the two layers (hotline
code + pinned dependencies), Powertools settings and the city's baked config. Function code
is bundled locally (no Docker): the handler package plus `city.json`, validated at synth.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from hotline.config.knowledge import knowledge_json, load_knowledge
from hotline.config.schema import CityConfig
from infra.constructs.nag import ack

ROOT = Path(__file__).resolve().parents[2]
DEPS_LAYER = ROOT / "build" / "layer-deps"
RUNTIME = lambda_.Runtime.PYTHON_3_14
LIVE = "Live"  # the alias every caller invokes when the city runs SnapStart (`invoked`)
CITY_FILE = "city.json"
KB_FILE = "kb.json"


@jsii.implements(cdk.ILocalBundling)
class _CopyWithCity:
    """Copies a function's sources and writes the validated city config beside them."""

    def __init__(self, source: Path, city_json: str, kb_json: str) -> None:
        self.source, self.city_json, self.kb_json = source, city_json, kb_json

    def try_bundle(self, output_dir: str, *_: Any, **__: Any) -> bool:
        shutil.copytree(
            self.source, output_dir, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
        (Path(output_dir) / CITY_FILE).write_text(self.city_json, encoding="utf-8")
        (Path(output_dir) / KB_FILE).write_text(self.kb_json, encoding="utf-8")
        return True


def _tree_hash(path: Path, extra: str) -> str:
    h = hashlib.sha256(extra.encode())
    for f in sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        h.update(str(f.relative_to(path)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


class FunctionFactory(Construct):
    def __init__(
        self, scope: Construct, id: str, *, config: CityConfig, key: kms.IKey, environment: dict[str, str]
    ) -> None:
        super().__init__(scope, id)
        self.key = key
        if not (DEPS_LAYER / "python").is_dir():
            raise RuntimeError(f"{DEPS_LAYER} is missing: run `make layer` (make synth/test do it for you)")
        self.config = config
        self.city_json = config.model_dump_json()
        kb = load_knowledge(ROOT / "infra" / "cities" / "kb" / f"{config.city}.yaml", config)
        self.kb_json = knowledge_json(kb)
        self.environment = {
            "HOTLINE_CITY": config.city,
            "HOTLINE_CITY_CONFIG": f"/var/task/{CITY_FILE}",
            "HOTLINE_KB": f"/var/task/{KB_FILE}",
            "POWERTOOLS_METRICS_NAMESPACE": "Hotline12345",
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "TZ": "UTC",
            **environment,
        }
        self.layers = [
            lambda_.LayerVersion(
                self,
                "Code",
                code=lambda_.Code.from_asset(str(ROOT / "layers" / "hotline"), exclude=["**/__pycache__"]),
                compatible_runtimes=[RUNTIME],
                description="hotline domain, data access and adapters",
            ),
            lambda_.LayerVersion(
                self,
                "Deps",
                code=lambda_.Code.from_asset(str(DEPS_LAYER)),
                compatible_runtimes=[RUNTIME],
                description="pinned runtime dependencies (requirements.txt)",
            ),
        ]
        self.functions: dict[str, lambda_.Function] = {}

    def make(
        self, name: str, *, description: str, timeout_s: int = 15, memory: int = 512, env: dict[str, str] | None = None
    ) -> lambda_.Function:
        source = ROOT / "functions" / name
        fn_name = f"hotline-{self.config.city}-{name}"
        log_group = logs.LogGroup(
            self,
            f"{name}-logs",
            log_group_name=f"/aws/lambda/{fn_name}",
            retention=logs.RetentionDays.ONE_YEAR,
            encryption_key=self.key,  # what a function logs may name citizens (R-SEC-1)
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        role = iam.Role(
            self,
            f"{name}-role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{fn_name}: its own log group plus what the stack grants it",
        )
        log_group.grant_write(role)
        fn = lambda_.Function(
            self,
            name,
            function_name=fn_name,
            description=description,
            runtime=RUNTIME,
            architecture=lambda_.Architecture.X86_64,
            handler="handler.handler",
            code=lambda_.Code.from_asset(
                str(source),
                asset_hash=_tree_hash(source, self.city_json + self.kb_json),
                asset_hash_type=cdk.AssetHashType.CUSTOM,
                bundling=cdk.BundlingOptions(
                    image=cdk.DockerImage.from_registry("local-bundling-only"),
                    local=_CopyWithCity(source, self.city_json, self.kb_json),
                ),
            ),
            layers=self.layers,
            role=role,
            memory_size=memory,
            timeout=cdk.Duration.seconds(timeout_s),
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            log_group=log_group,
            environment={**self.environment, "POWERTOOLS_SERVICE_NAME": name, **(env or {})},
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if self.config.runtime.snapstart else None,
        )
        if self.config.runtime.snapstart:  # SnapStart serves published versions only: everything invokes `live`
            lambda_.Alias(fn, LIVE, alias_name="live", version=fn.current_version)
        ack(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level scoping",
        )
        self.functions[name] = fn
        return fn


def invoked(fn: lambda_.IFunction) -> lambda_.IFunction:
    """What a caller (API Gateway, an event source, a rule, the state machine) invokes: the
    function's `live` alias under SnapStart, which serves published versions only; else itself."""
    alias = fn.node.try_find_child(LIVE)
    return alias if isinstance(alias, lambda_.Alias) else fn


def qualifier(config: CityConfig) -> str:
    """The ARN suffix of what is invoked, for callers that name a function by ARN (the Scheduler)."""
    return ":live" if config.runtime.snapstart else ""
