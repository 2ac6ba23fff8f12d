"""The city's dashboard and the alarms that page ops (R-OPS-2), built with cdk-monitoring-constructs.

Every alarm goes to the city's ops topic and is named `hotline-<city>-<what>-<kind>`; what each
means and what to do is in docs/runbook.md. Thresholds are zero wherever a single occurrence
means work is waiting for a person (an error, a throttle, a parked message); the overdue alarm's
threshold is the city's (`supervision.overdue_alarm_per_day`).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from cdk_monitoring_constructs import (
    AlarmFactoryDefaults,
    CustomMetricGroup,
    DashboardRenderingPreference,
    DefaultDashboardFactory,
    ErrorCountThreshold,
    LatencyThreshold,
    MaxMessageCountThreshold,
    MonitoringFacade,
    SnsAlarmActionStrategy,
)
from constructs import Construct

from hotline.config.schema import CityConfig

NAMESPACE = "Hotline12345"
API_P99 = cdk.Duration.seconds(3)  # a channel's caller waits on the line for the answer
OUTCOMES = ("accepted", "answered", "transferred", "not_accepted", "duplicate")
HOUR, DAY = cdk.Duration.hours(1), cdk.Duration.days(1)


def business(metric: str, service: str, label: str, period: cdk.Duration = HOUR) -> cw.Metric:
    """A Powertools EMF metric of one function (dimension `service` = the function's short name)."""
    return cw.Metric(
        namespace=NAMESPACE,
        metric_name=metric,
        dimensions_map={"service": service},
        statistic="Sum",
        period=period,
        label=label,
    )


def requests(label: str, terms: str) -> cw.MathExpression:
    """Filings summed over the dimension not searched for: intake counts `Requests_<outcome>` with
    dimensions `service` and `channel`, so a plain metric of one dimension set would miss them."""
    return cw.MathExpression(
        expression=f"SUM(SEARCH('{{{NAMESPACE},channel,service}} service=\"intake\" {terms}', 'Sum', 3600))",
        label=label,
        period=HOUR,
    )


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: CityConfig,
        ops: sns.ITopic,
        functions: dict[str, lambda_.IFunction],
        queues: dict[str, sqs.IQueue],
        api: apigw.RestApi,
    ) -> None:
        super().__init__(scope, id)
        prefix = f"hotline-{config.city}"
        self.facade = facade = MonitoringFacade(
            self,
            "Facade",
            alarm_factory_defaults=AlarmFactoryDefaults(
                actions_enabled=True,
                alarm_name_prefix=prefix,
                action=SnsAlarmActionStrategy(on_alarm_topic=ops),
                datapoints_to_alarm=1,
            ),
            dashboard_factory=DefaultDashboardFactory(
                self,
                "Dashboards",
                dashboard_name_prefix=prefix,
                create_dashboard=True,
                create_summary_dashboard=False,
                create_alarm_dashboard=False,
                rendering_preference=DashboardRenderingPreference.INTERACTIVE_ONLY,
            ),
        )
        facade.add_large_header(f"{config.name} 12345 hotline: pipeline health, today's volumes and rates")
        facade.monitor_api_gateway(
            api=api,
            api_stage="v1",
            alarm_friendly_name="api",
            human_readable_name="API (channels and staff)",
            add5_xx_fault_count_alarm={"Faults": ErrorCountThreshold(max_error_count=0)},
            add_latency_p99_alarm={"P99": LatencyThreshold(max_latency=API_P99)},
        )
        for name, fn in functions.items():
            facade.monitor_lambda_function(
                lambda_function=fn,
                alarm_friendly_name=name,
                human_readable_name=f"function {name}",
                add_fault_count_alarm={"Errors": ErrorCountThreshold(max_error_count=0)},
                add_throttles_count_alarm={"Throttles": ErrorCountThreshold(max_error_count=0)},
            )
        for name, queue in queues.items():
            facade.monitor_sqs_queue(
                queue=queue,
                alarm_friendly_name=name,
                human_readable_name=f"dead letters: {name}",
                add_queue_max_size_alarm={"Parked": MaxMessageCountThreshold(max_message_count=0)},
            )

        facade.monitor_custom(
            alarm_friendly_name="orders",
            human_readable_name="Orders: requests by outcome, overdue, escalations, archive",
            metric_groups=[
                CustomMetricGroup(
                    title="Requests by outcome (R-INT-4)",
                    metrics=[requests(o, f'MetricName="Requests_{o}"') for o in OUTCOMES],
                ),
                CustomMetricGroup(
                    title="Requests by channel (R-INT-1)",
                    metrics=[requests(c.value, f'MetricName=Requests channel="{c.value}"') for c in config.channels],
                ),
                CustomMetricGroup(
                    title="Overdue and escalated (R-TMR-2)",
                    metrics=[
                        business("Timer_mark_overdue", "timers", "overdue"),
                        business("Timer_escalate", "timers", "escalations"),
                    ],
                ),
                CustomMetricGroup(
                    title="Closed and archived (R-CB-5)",
                    metrics=[
                        business("Archived", "workflow", "archived"),
                        business("SmsRatings", "callback", "SMS ratings"),
                        business("ArchiveAttachmentMissing", "workflow", "uploads gone"),
                    ],
                ),
            ],
        )
        self.overdue = ops_alarm(
            self,
            f"{prefix}-orders-overdue",
            "More orders went overdue today than the city's threshold (supervision.overdue_alarm_per_day): "
            "a unit may be overwhelmed or unreachable (runbook).",
            business("Timer_mark_overdue", "timers", "overdue", DAY),
            above=config.supervision.overdue_alarm_per_day,
            ops=ops,
        )
        self.archive_gaps = ops_alarm(
            self,
            f"{prefix}-archive-attachment-missing",
            "An archived record lacks an upload that was gone from the attachments bucket (runbook).",
            business("ArchiveAttachmentMissing", "workflow", "uploads gone", DAY),
            above=0,
            ops=ops,
        )


def ops_alarm(
    scope: Construct,
    name: str,
    description: str,
    metric: cw.IMetric,
    *,
    above: float,
    ops: sns.ITopic,
    silence: cw.TreatMissingData = cw.TreatMissingData.NOT_BREACHING,
) -> cw.Alarm:
    """An alarm on one of the hotline's own metrics that pages ops when it rises above `above`;
    `silence` says what a day without the metric means (for a check that must run: breaching)."""
    alarm = cw.Alarm(
        scope,
        name.split("-", 2)[-1].title().replace("-", ""),
        alarm_name=name,
        alarm_description=description,
        metric=metric,
        threshold=above,
        evaluation_periods=1,
        comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treat_missing_data=silence,
    )
    alarm.add_alarm_action(cw_actions.SnsAction(ops))
    return alarm
