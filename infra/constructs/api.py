"""API Gateway: channels by API key + usage plan, staff by Cognito JWT (R-INT-1, R-SEC-2, SPEC §11)."""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from hotline.adapters.channels import SMS_GATEWAY
from hotline.config.schema import Channel, CityConfig
from infra.constructs.functions import invoked
from infra.constructs.nag import ack

STAFF_GROUPS = ("dispatcher", "reviewer", "callback", "supervisor", "unit")
CHANNEL_THROTTLE = {"phone": (50, 100), "110": (20, 40), "sub-hotline": (20, 40)}  # rate, burst
DEFAULT_THROTTLE = (10, 20)
# The gateway's own refusals in SPEC §11's error shape (the functions answer the rest).
GATEWAY_RESPONSES = {
    "API_KEY": ("401", "unauthenticated", "a valid x-api-key header is required (channels)"),
    "UNAUTHORIZED": ("401", "unauthenticated", "a valid staff token is required: Authorization: Bearer <JWT>"),
    "ACCESS_DENIED": ("403", "forbidden", "this credential may not call this route"),
    "MISSING_AUTHENTICATION_TOKEN": ("404", "no_route", "no such route; GET /catalog lists what channels may use"),
    "THROTTLED": ("429", "throttled", "too many requests for this channel's usage plan; retry later"),
    "REQUEST_TOO_LARGE": ("413", "too_large", "the request is larger than the API accepts"),
    "DEFAULT_5XX": ("502", "upstream_error", "the hotline could not answer; nothing was lost, retry later"),
}


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: CityConfig,
        intake: lambda_.IFunction,
        dispatch: lambda_.IFunction,
        callback: lambda_.IFunction,
        stats: lambda_.IFunction,
        pages: lambda_.IFunction,
        key: kms.IKey,
    ) -> None:
        super().__init__(scope, id)
        self.user_pool = cognito.UserPool(
            self,
            "Staff",
            user_pool_name=f"hotline-{config.city}-staff",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(username=True, email=True),
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            password_policy=cognito.PasswordPolicy(
                min_length=12, require_digits=True, require_lowercase=True, require_uppercase=True, require_symbols=True
            ),
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            custom_attributes={"unit_id": cognito.StringAttribute(mutable=True, max_len=64)},
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        for group in STAFF_GROUPS:
            cognito.CfnUserPoolGroup(self, f"Group-{group}", user_pool_id=self.user_pool.user_pool_id, group_name=group)
        self.client = self.user_pool.add_client("StaffConsole", auth_flows=cognito.AuthFlow(user_srp=True))

        access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            log_group_name=f"/aws/apigateway/hotline-{config.city}-access",  # the city key's policy names it
            retention=logs.RetentionDays.ONE_YEAR,
            encryption_key=key,
        )
        self.rest = apigw.RestApi(
            self,
            "Rest",
            rest_api_name=f"hotline-{config.city}",
            description=f"{config.name} 12345 hotline API (SPEC §11)",
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=cdk.RemovalPolicy.DESTROY,
            deploy_options=apigw.StageOptions(
                stage_name="v1",
                tracing_enabled=True,
                metrics_enabled=True,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # request bodies carry personal data (R-SEC-1)
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=False,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=False,
                ),
                throttling_rate_limit=200,
                throttling_burst_limit=400,
            ),
        )
        validator = self.rest.add_request_validator(
            "Validate", validate_request_body=True, validate_request_parameters=True
        )
        authorizer = apigw.CognitoUserPoolsAuthorizer(self, "StaffAuth", cognito_user_pools=[self.user_pool])

        integrations: dict[str, apigw.LambdaIntegration] = {}

        def integrate(fn: lambda_.IFunction) -> apigw.LambdaIntegration:
            """One integration and one invoke permission per function for the whole API, not two per
            method (68 permissions were most of a city's 500-resource budget); the function answers
            only the routes its resolver declares, 404 for any other."""
            key = fn.node.path
            if key not in integrations:
                integrations[key] = apigw.LambdaIntegration(
                    invoked(fn),
                    scope_permission_to_method=False,
                    allow_test_invoke=False,
                )
            return integrations[key]

        def channel(resource: apigw.IResource, verb: str, fn: lambda_.IFunction) -> None:
            m = resource.add_method(verb, integrate(fn), api_key_required=True, request_validator=validator)
            ack(m, "AwsSolutions-APIG4", "Channels authenticate by API key and usage plan (R-INT-1)")
            ack(m, "AwsSolutions-COG4", "Channels are systems with API keys, not Cognito users (R-INT-1)")

        def staff(resource: apigw.IResource, verb: str, fn: lambda_.IFunction) -> None:
            resource.add_method(
                verb,
                integrate(fn),
                authorizer=authorizer,
                authorization_type=apigw.AuthorizationType.COGNITO,
                request_validator=validator,
            )

        def public(resource: apigw.IResource, verb: str, fn: lambda_.IFunction) -> None:
            m = resource.add_method(verb, integrate(fn), request_validator=validator)
            why = ("Public by design: the report (Hohhot Art.32, Baoding Art.37), the citizen's pages and their KB "
                   "search and progress (the query code is the credential), the console's static files (its API "
                   "calls carry the staff token), Open311 (its POST carries the channel key as `api_key`, checked "
                   "by the function); WAF limits each address")  # fmt: skip
            ack(m, "AwsSolutions-APIG4", why)
            ack(m, "AwsSolutions-COG4", why)

        root = self.rest.root
        channel(root.add_resource("catalog"), "GET", intake)
        requests = root.add_resource("requests")
        channel(requests, "POST", intake)
        one_request = requests.add_resource("{request_id}")
        channel(one_request, "GET", intake)
        channel(one_request.add_resource("rating"), "POST", callback)
        channel(one_request.add_resource("escalate"), "POST", intake)  # R-TRI-5
        knowledge = root.add_resource("kb")
        channel(knowledge.add_resource("search"), "GET", intake)
        channel(root.add_resource("attachments"), "POST", intake)
        channel(root.add_resource("sms").add_resource("inbound"), "POST", callback)  # the SMS gateway (R-CB-1)
        caller = root.add_resource("callers").add_resource("{caller_id}")
        staff(caller, "GET", dispatch)
        staff(caller.add_resource("reinstate"), "POST", dispatch)
        ticket = root.add_resource("tickets").add_resource("{ticket_id}")
        staff(ticket, "GET", dispatch)
        staff(ticket.add_resource("actions"), "POST", dispatch)
        staff(root.add_resource("units").add_resource("{unit_id}").add_resource("tickets"), "GET", dispatch)
        desk = root.add_resource("queues")  # the center's work queues (R-DESK-1)
        staff(desk, "GET", dispatch)
        staff(desk.add_resource("{name}"), "GET", dispatch)
        staff(root.add_resource("backlog"), "GET", dispatch)  # the backlog ledger (R-DESK-4)
        entries = knowledge.add_resource("entries")  # the living knowledge base (R-KB-4)
        staff(entries, "GET", dispatch)
        staff(entries, "POST", dispatch)
        entry = entries.add_resource("{entry_id}")
        staff(entry, "GET", dispatch)
        staff(entry, "PUT", dispatch)
        staff(entry.add_resource("actions"), "POST", dispatch)
        staff(knowledge.add_resource("stats"), "GET", dispatch)
        figures = root.add_resource("stats")
        staff(figures.add_resource("kpi"), "GET", stats)
        for name in ("hotspots", "callers", "ranking"):  # R-GOV-1, R-GOV-4
            staff(figures.add_resource(name), "GET", stats)
        staff(root.add_resource("warnings"), "GET", stats)  # R-GOV-2
        topics = root.add_resource("topics")  # R-GOV-3
        staff(topics, "GET", stats)
        staff(topics, "POST", stats)
        one_topic = topics.add_resource("{topic_id}")
        staff(one_topic, "GET", stats)
        staff(one_topic.add_resource("actions"), "POST", stats)
        site = root.add_resource("public")
        public(site.add_resource("report"), "GET", stats)  # R-GOV-4, no credential
        public(site.add_resource("kb"), "GET", intake)  # R-UI-2: the public pages' KB search
        public(site.add_resource("requests").add_resource("{request_id}"), "GET", intake)  # progress by query code
        if Channel.open311 in config.channels:  # R-O311-1: `/open311/v2/<resource>.<format>`, its key in the form
            georeport = root.add_resource("open311").add_resource("v2")
            resource = georeport.add_resource("{file}")  # discovery, services, requests, servicerequestupdates
            public(resource, "GET", intake)
            public(resource, "POST", intake)
            one = georeport.add_resource("{collection}").add_resource("{file}")  # services/…, requests/…, tokens/…
            public(one, "GET", intake)
        # R-UI-1/2: the console and the public pages, served from this stage (one origin with the API)
        console = root.add_resource("console")
        for pages_at in (console, site):
            public(pages_at, "GET", pages)
            public(pages_at.add_resource("{proxy+}"), "GET", pages)

        self.api_keys: dict[str, apigw.IApiKey] = {}
        for ch in config.channels:
            rate, burst = CHANNEL_THROTTLE.get(ch.value, DEFAULT_THROTTLE)
            plan = self.rest.add_usage_plan(
                f"Plan-{ch.value}",
                name=f"hotline-{config.city}-{ch.value}",
                throttle=apigw.ThrottleSettings(rate_limit=rate, burst_limit=burst),
                api_stages=[apigw.UsagePlanPerApiStage(api=self.rest, stage=self.rest.deployment_stage)],
            )
            if ch is Channel.open311:  # no stage keys (usage plans suffice): intake names its id without a cycle
                key = apigw.ApiKey(self, f"Key-{ch.value}", api_key_name=f"hotline-{config.city}-{ch.value}")
            else:
                key = self.rest.add_api_key(f"Key-{ch.value}", api_key_name=f"hotline-{config.city}-{ch.value}")
            plan.add_api_key(key)
            self.api_keys[ch.value] = key
        # The city's two-way SMS gateway posts citizens' answers (1/2/3) with a key of its own.
        gateway = self.rest.add_usage_plan(
            "Plan-sms-gateway",
            name=f"hotline-{config.city}-{SMS_GATEWAY}",
            throttle=apigw.ThrottleSettings(rate_limit=20, burst_limit=40),
            api_stages=[apigw.UsagePlanPerApiStage(api=self.rest, stage=self.rest.deployment_stage)],
        )
        self.sms_gateway_key = self.rest.add_api_key(
            "Key-sms-gateway", api_key_name=f"hotline-{config.city}-{SMS_GATEWAY}"
        )
        gateway.add_api_key(self.sms_gateway_key)

        for kind, (status, code, message) in GATEWAY_RESPONSES.items():
            self.rest.add_gateway_response(
                f"Refuse-{kind}",
                type=apigw.ResponseType.of(kind),
                status_code=status,
                templates={"application/json": json.dumps({"error": {"code": code, "message": message}})},
            )

        if config.security.waf:
            self.waf = self._waf(config)
        else:
            ack(self.rest, "AwsSolutions-APIG3", "WAF is off in this city's file (security.waf; docs/runbook.md)")
        ack(
            self.rest,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
            "API Gateway's account-level CloudWatch role needs the AWS managed push-to-logs policy",
        )
        cdk.CfnOutput(self, "Endpoint", value=self.rest.url)
        cdk.CfnOutput(self, "UserPoolId", value=self.user_pool.user_pool_id)

    def _waf(self, config: CityConfig) -> wafv2.CfnWebACL:
        """AWS's common and known-bad-inputs rule groups and a per-address rate limit on the API."""

        def seen(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
            return wafv2.CfnWebACL.VisibilityConfigProperty(
                cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
            )

        def absent(header: str) -> wafv2.CfnWebACL.StatementProperty:
            return wafv2.CfnWebACL.StatementProperty(
                size_constraint_statement=wafv2.CfnWebACL.SizeConstraintStatementProperty(
                    field_to_match=wafv2.CfnWebACL.FieldToMatchProperty(single_header={"Name": header}),
                    comparison_operator="EQ",
                    size=0,
                    text_transformations=[wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")],
                )
            )

        def managed(name: str, priority: int, count: list[str]) -> wafv2.CfnWebACL.RuleProperty:
            return wafv2.CfnWebACL.RuleProperty(
                name=name,
                priority=priority,
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS",
                        name=name,
                        rule_action_overrides=[
                            wafv2.CfnWebACL.RuleActionOverrideProperty(
                                name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
                            )
                            for rule in count
                        ]
                        or None,
                    )
                ),
                visibility_config=seen(name),
            )

        acl = wafv2.CfnWebACL(
            self,
            "Waf",
            name=f"hotline-{config.city}-api",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=seen(f"hotline-{config.city}-api"),
            rules=[
                # bodies up to 64 KB are ours to judge (intake's MAX_BODY), not the rule's 8 KB
                managed("AWSManagedRulesCommonRuleSet", 0, count=["SizeRestrictions_BODY"]),
                managed("AWSManagedRulesKnownBadInputsRuleSet", 1, count=[]),
                wafv2.CfnWebACL.RuleProperty(
                    name="PerAddressRate",
                    priority=2,
                    action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            limit=config.security.waf_rate_limit,
                            aggregate_key_type="IP",
                            # anonymous callers only: channels, the SMS gateway and staff post from
                            # a few addresses each and are throttled by their usage plans instead
                            scope_down_statement=wafv2.CfnWebACL.StatementProperty(
                                and_statement=wafv2.CfnWebACL.AndStatementProperty(
                                    statements=[absent("x-api-key"), absent("authorization")]
                                )
                            ),
                        )
                    ),
                    visibility_config=seen("PerAddressRate"),
                ),
            ],
        )
        wafv2.CfnWebACLAssociation(
            self, "WafOnApi", resource_arn=self.rest.deployment_stage.stage_arn, web_acl_arn=acl.attr_arn
        )
        return acl
