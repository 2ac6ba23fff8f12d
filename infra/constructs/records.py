"""The archive as an Athena table (R-CB-5): one Glue table over `records/`, partitions projected.

Each archived record is one line of JSON (`domain/records.py`): the ticket as it ended and all its
events. Partition projection (city, year, month) means no crawler and no `MSCK REPAIR`: a record
is queryable the moment it is written. The columns below are the ones reports need; the test
`test_the_athena_table_reads_the_archived_document` keeps them equal to what is archived.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_glue as glue
from aws_cdk import aws_s3 as s3
from constructs import Construct

from hotline.config.schema import CityConfig

DEADLINES = (
    "struct<sign_by:string,return_by:string,assist_by:string,reply_by:string,callback_by:string,dispatch_by:string>"
)
TICKET_COLUMNS: dict[str, str] = {
    "ticket_id": "string",
    "request_id": "string",
    "city": "string",
    "channel": "string",
    "type": "string",
    "urgency": "string",
    "category": "string",
    "status": "string",
    "reason": "string",
    "transferred_to": "string",
    "duplicate_of": "string",
    "confidential": "boolean",
    "location": "struct<district:string,street:string>",
    "lead_unit": "string",
    "assist_units": "array<string>",
    "deadlines": DEADLINES,
    "dispatched_at": "string",
    "signed_at": "string",
    "signed_in_time": "boolean",
    "extensions": "array<struct<reason:string,granted_at:string,new_reply_by:string>>",
    "rehandles_used": "int",
    "reply": "struct<handled_at:string,result:string,citizen_contacted:boolean,at:string,by:string>",
    "rating": "struct<resolved:boolean,satisfaction:string,at:string,by:string,reasonable:boolean,deemed:boolean>",
    "exempted": "boolean",
    "overdue": "boolean",
    "supervision_level": "int",
    "repeat_reports": "int",
    "unsatisfied_ratings": "int",
    "created_at": "string",
    "updated_at": "string",
}
ATTACHMENT_COLUMNS = "array<struct<id:string,checksum:string,archived:boolean>>"
EVENT_COLUMNS = (
    "array<struct<seq:int,at:string,action:string,from_status:string,to_status:string,"
    "actor:struct<role:string,id:string>>>"
)


class RecordsTable(Construct):
    def __init__(self, scope: Construct, id: str, *, config: CityConfig, archive: s3.IBucket) -> None:
        super().__init__(scope, id)
        account = cdk.Stack.of(self).account
        database = f"hotline_{config.city}"
        self.database = glue.CfnDatabase(
            self,
            "Database",
            catalog_id=account,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=database, description=f"{config.name} 12345: archived records (R-CB-5)"
            ),
        )
        location = f"s3://{archive.bucket_name}/records/"
        ticket = "struct<" + ",".join(f"{k}:{v}" for k, v in TICKET_COLUMNS.items()) + ">"
        self.table = glue.CfnTable(
            self,
            "Table",
            catalog_id=account,
            database_name=database,
            table_input=glue.CfnTable.TableInputProperty(
                name="records",
                description="One row per finished ticket: the ticket as it ended and every event",
                table_type="EXTERNAL_TABLE",
                partition_keys=[glue.CfnTable.ColumnProperty(name=n, type="string") for n in ("city", "year", "month")],
                parameters={
                    "classification": "json",
                    "projection.enabled": "true",
                    "projection.city.type": "enum",
                    "projection.city.values": config.city,
                    "projection.year.type": "integer",
                    "projection.year.range": "2024,2124",
                    "projection.month.type": "integer",
                    "projection.month.range": "1,12",
                    "projection.month.digits": "2",
                    "storage.location.template": location + "city=${city}/year=${year}/month=${month}/",
                },
                storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                    location=location,
                    input_format="org.apache.hadoop.mapred.TextInputFormat",
                    output_format="org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                    serde_info=glue.CfnTable.SerdeInfoProperty(
                        serialization_library="org.openx.data.jsonserde.JsonSerDe",
                        parameters={"ignore.malformed.json": "false"},
                    ),
                    columns=[
                        glue.CfnTable.ColumnProperty(name="schema", type="int"),
                        glue.CfnTable.ColumnProperty(name="ticket", type=ticket),
                        glue.CfnTable.ColumnProperty(name="events", type=EVENT_COLUMNS),
                        glue.CfnTable.ColumnProperty(name="attachments", type=ATTACHMENT_COLUMNS),
                    ],
                ),
            ),
        )
        self.table.add_dependency(self.database)
