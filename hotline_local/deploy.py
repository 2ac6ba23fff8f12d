"""Deploys a city's synthesized CDK template into the emulator, the way `cdk deploy` would.

Synth (cached by a hash of everything that shapes the template), then the CLI's steps:
publish file assets to the bootstrap bucket, create the stack from the template's URL, wait.
Afterwards, create by hand what moto's CloudFormation skips silently (DESIGN §4).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from hotline_local.emulator import ACCOUNT, REGION

ROOT = Path(__file__).resolve().parents[1]
SHAPES_TEMPLATE = ("infra", "layers", "functions", "cdk.json", "requirements.txt", "build/layer-deps/.built")
ASSET_BUCKET = f"cdk-hnb659fds-assets-{ACCOUNT}-{REGION}"


class DeployError(RuntimeError):
    pass


def _fingerprint(city: str) -> str:
    h = hashlib.sha256(city.encode())
    for name in SHAPES_TEMPLATE:
        path = ROOT / name
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for f in files:
            if "__pycache__" in f.parts:
                continue
            h.update(str(f.relative_to(ROOT)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def synth(city: str, out_root: Path) -> Path:
    """The city's cloud assembly; re-synthesized only when its inputs changed."""
    out_root.mkdir(parents=True, exist_ok=True)
    with (out_root / f".{city}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # test workers may share the cache: one synth at a time
        return _synth(city, out_root / city)


def _synth(city: str, out: Path) -> Path:
    stamp = out / ".fingerprint"
    fingerprint = _fingerprint(city)
    if stamp.exists() and stamp.read_text() == fingerprint:
        return out
    shutil.rmtree(out, ignore_errors=True)
    env = {
        **os.environ,
        "CDK_OUTDIR": str(out),
        "CDK_CONTEXT_JSON": json.dumps({"city": city, "local": "true", "stage": "local"}),
        "CDK_DEFAULT_ACCOUNT": ACCOUNT,
        "CDK_DEFAULT_REGION": REGION,
        "PYTHONPATH": f"{ROOT / 'layers' / 'hotline' / 'python'}{os.pathsep}{ROOT}",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    done = subprocess.run(
        [sys.executable, "-m", "infra.app"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise DeployError(f"synth of {city} failed:\n{done.stderr[-4000:]}")
    stamp.write_text(fingerprint)
    return out


def _zip_dir(source: Path, target: Path) -> Path:
    if target.exists():
        return target
    partial = target.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for f in sorted(source.rglob("*")):
            if f.is_file():
                z.write(f, f.relative_to(source))
    partial.rename(target)
    return target


def publish_assets(assembly: Path, stack: str, cache: Path) -> dict[str, str]:
    """Upload every file asset to the bootstrap bucket; returns the template's object key."""
    import boto3

    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=ASSET_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    manifest = json.loads((assembly / f"{stack}.assets.json").read_text())
    cache.mkdir(parents=True, exist_ok=True)
    keys: dict[str, str] = {}
    for asset_hash, asset in manifest["files"].items():
        source = assembly / asset["source"]["path"]
        packaging = asset["source"].get("packaging", "file")
        body = _zip_dir(source, cache / f"{asset_hash}.zip") if packaging == "zip" else source
        for dest in asset["destinations"].values():
            key = dest["objectKey"]
            s3.upload_file(str(body), ASSET_BUCKET, key)
            keys[asset["source"]["path"]] = key
    return keys


def create_stack(assembly: Path, stack: str, template_key: str) -> dict[str, str]:
    """Create the stack from its uploaded template and return its outputs."""
    import boto3

    cfn = boto3.client("cloudformation")
    url = f"https://{ASSET_BUCKET}.s3.{REGION}.amazonaws.com/{template_key}"
    cfn.create_stack(StackName=stack, TemplateURL=url, Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"])
    described = cfn.describe_stacks(StackName=stack)["Stacks"][0]
    if described["StackStatus"] != "CREATE_COMPLETE":
        events = cfn.describe_stack_events(StackName=stack)["StackEvents"]
        failed = [
            f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason')}"
            for e in events
            if "FAILED" in e["ResourceStatus"]
        ]
        raise DeployError(f"stack {stack} is {described['StackStatus']}: {'; '.join(failed) or 'no reason given'}")
    _create_what_moto_skips(assembly, stack)
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


POOL_FIELDS = ("Policies", "MfaConfiguration", "AliasAttributes", "AutoVerifiedAttributes", "Schema",
               "AdminCreateUserConfig", "AccountRecoverySetting", "UsernameAttributes")  # fmt: skip


class _Skipped:
    """Creates, from the template's own properties, the resources moto's CloudFormation skips."""

    def __init__(self, stack: str, template: dict[str, Any]) -> None:
        import boto3

        self.template = template
        self.ids: dict[str, str] = {}
        self.arns: dict[str, str] = {}
        cfn = boto3.client("cloudformation")
        for page in cfn.get_paginator("list_stack_resources").paginate(StackName=stack):
            for r in page["StackResourceSummaries"]:
                self.ids[r["LogicalResourceId"]] = r.get("PhysicalResourceId", "")
        self.cognito = boto3.client("cognito-idp")
        self.apigw = boto3.client("apigateway")

    def value(self, v: Any) -> Any:
        if isinstance(v, dict) and "Ref" in v:
            return self.ids.get(v["Ref"])
        if isinstance(v, dict) and "Fn::GetAtt" in v:
            return self.arns.get(v["Fn::GetAtt"][0])  # only what these resources need; the rest stays None
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if isinstance(v, dict):
            return {k: self.value(x) for k, x in v.items()}
        return v

    def of_type(self, kind: str) -> list[tuple[str, dict[str, Any]]]:
        return [(k, self.value(r.get("Properties", {}))) for k, r in self.template["Resources"].items()
                if r["Type"] == kind]  # fmt: skip

    def _environments(self, made: set[str]) -> None:
        """A function's variable naming an API key made here (the Open311 key's id) held moto's
        placeholder: give it the real id."""
        import boto3

        lambdas = boto3.client("lambda")
        for lid, r in self.template["Resources"].items():
            if r["Type"] != "AWS::Lambda::Function":
                continue
            variables = r.get("Properties", {}).get("Environment", {}).get("Variables", {})
            named = {k: v["Ref"] for k, v in variables.items() if isinstance(v, dict) and v.get("Ref") in made}
            if not named:
                continue
            current = lambdas.get_function_configuration(FunctionName=self.ids[lid])["Environment"]["Variables"]
            lambdas.update_function_configuration(
                FunctionName=self.ids[lid],
                Environment={"Variables": current | {k: self.ids[v] for k, v in named.items()}},
            )

    def create(self) -> None:
        before = dict(self.ids)
        for lid, p in self.of_type("AWS::Cognito::UserPool"):
            pool = self.cognito.create_user_pool(
                PoolName=p.get("UserPoolName", lid), **{k: p[k] for k in POOL_FIELDS if k in p}
            )["UserPool"]
            self.ids[lid], self.arns[lid] = pool["Id"], pool["Arn"]
        for lid, p in self.of_type("AWS::Cognito::UserPoolClient"):
            client = self.cognito.create_user_pool_client(
                UserPoolId=p["UserPoolId"], ClientName=p.get("ClientName", lid),
                ExplicitAuthFlows=p.get("ExplicitAuthFlows", []),
            )["UserPoolClient"]  # fmt: skip
            self.ids[lid] = client["ClientId"]
        for _, p in self.of_type("AWS::Cognito::UserPoolGroup"):
            self.cognito.create_group(GroupName=p["GroupName"], UserPoolId=p["UserPoolId"])
        for lid, p in self.of_type("AWS::ApiGateway::Stage"):
            self.apigw.create_stage(restApiId=p["RestApiId"], stageName=p["StageName"], deploymentId=p["DeploymentId"])
            self.ids[lid] = p["StageName"]
        for lid, p in self.of_type("AWS::ApiGateway::Authorizer"):
            self.ids[lid] = self.apigw.create_authorizer(
                restApiId=p["RestApiId"], name=p["Name"], type=p["Type"], providerARNs=p.get("ProviderARNs", []),
                identitySource=p["IdentitySource"],
            )["id"]  # fmt: skip
        for _, p in self.of_type("AWS::ApiGateway::GatewayResponse"):
            self.apigw.put_gateway_response(
                restApiId=p["RestApiId"], responseType=p["ResponseType"], statusCode=p.get("StatusCode", ""),
                responseTemplates=p.get("ResponseTemplates", {}),
            )  # fmt: skip
        for lid, p in self.of_type("AWS::ApiGateway::ApiKey"):
            self.ids[lid] = self.apigw.create_api_key(name=p["Name"], enabled=p.get("Enabled", True))["id"]
        for lid, p in self.of_type("AWS::ApiGateway::UsagePlan"):
            throttle = p.get("Throttle") or {}
            self.ids[lid] = self.apigw.create_usage_plan(
                name=p["UsagePlanName"],
                apiStages=[{"apiId": s["ApiId"], "stage": s["Stage"]} for s in p.get("ApiStages", [])],
                throttle={
                    "rateLimit": float(throttle.get("RateLimit", 0)),
                    "burstLimit": int(throttle.get("BurstLimit", 0)),
                },
            )["id"]
        for _, p in self.of_type("AWS::ApiGateway::UsagePlanKey"):
            self.apigw.create_usage_plan_key(usagePlanId=p["UsagePlanId"], keyId=p["KeyId"], keyType=p["KeyType"])
        keys = {lid for lid, _ in self.of_type("AWS::ApiGateway::ApiKey")}
        made = {lid for lid, v in self.ids.items() if lid in keys and before.get(lid) != v}
        self._state_machines()
        self._environments(made)
        for _, p in self.of_type("AWS::Scheduler::ScheduleGroup"):
            import boto3

            boto3.client("scheduler").create_schedule_group(Name=p["Name"])

    def _state_machines(self) -> None:
        """moto runs executions on its parser backend only; CloudFormation created them on the
        other one. Register each there under the same name (so the same ARN), definition resolved."""
        from moto.stepfunctions.models import stepfunctions_backends
        from moto.stepfunctions.parser.models import stepfunctions_parser_backends

        created = stepfunctions_backends[ACCOUNT][REGION]
        running = stepfunctions_parser_backends[ACCOUNT][REGION]
        have = {m.name for m in running.state_machines}
        for machine in created.state_machines:
            if machine.name not in have:
                running.create_state_machine(
                    name=machine.name, definition=machine.definition, roleArn=machine.roleArn, sm_type=machine.type
                )


def _create_what_moto_skips(assembly: Path, stack: str) -> None:
    """moto's CloudFormation ignores some resource types (DESIGN §4); make the ones the API needs.

    Policies (bucket, topic, queue) are skipped too: the emulator does not enforce IAM.
    """
    _Skipped(stack, json.loads((assembly / f"{stack}.template.json").read_text())).create()


def deploy(city: str, state_dir: Path) -> tuple[str, dict[str, str]]:
    stack = f"Hotline-{city}"
    assembly = synth(city, state_dir / "cdk.out")
    keys = publish_assets(assembly, stack, state_dir / "assets")
    return stack, create_stack(assembly, stack, keys[f"{stack}.template.json"])
