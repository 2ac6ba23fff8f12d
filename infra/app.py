"""One App, one stack per city: `cdk synth -c city=<name>` (R-OPS-1).

The city's YAML is validated with the same schema the functions use; a bad config stops
synth with a message naming the file, the field and the problem.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from hotline.config.loader import CITIES_DIR, CityConfigError, load_city_file
from infra.stacks.hotline_stack import HotlineStack


def build_app(
    city: str | None = None, outdir: str | None = None, local: bool | None = None, stage: str | None = None
) -> cdk.App:
    # The CLI passes cdk.json's context; direct runs (tests, the local cloud) read it here.
    context = json.loads((Path(__file__).resolve().parents[1] / "cdk.json").read_text())["context"]
    if city:
        context["city"] = city
    if stage:
        context["stage"] = stage
    app = cdk.App(outdir=outdir, context=context) if outdir else cdk.App(context=context)
    city = city or app.node.try_get_context("city") or "tianjin"
    stage = app.node.try_get_context("stage") or "dev"
    local = local if local is not None else str(app.node.try_get_context("local")).lower() == "true"
    config = load_city_file(CITIES_DIR / f"{city}.yaml")
    synthesizer = cdk.DefaultStackSynthesizer(generate_bootstrap_version_rule=not local)
    HotlineStack(
        app,
        f"Hotline-{city}",
        config=config,
        stage=stage,
        synthesizer=synthesizer,
        description=f"12345 hotline back end for {config.name} ({city})",
        env=cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region=os.environ.get("CDK_DEFAULT_REGION")),
    )
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def main() -> None:
    try:
        app = build_app()
    except CityConfigError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
    app.synth()


if __name__ == "__main__":
    main()
