"""`make demo`: a scripted day of a city's hotline on the local cloud, over HTTP only.

Filings on several channels, routing and the dispatcher's queue, signing, an extension, assist
parts, replies, a satisfied citizen, an unsatisfied one whose complaint is upheld and rehandled,
a unit that never signs and the clock running past its deadline; then every order's timeline,
what units and citizens were told, and the three rates (R-KPI-1) over the day's orders.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hotline_local.client import Hotline
from hotline_local.emulator import ACCOUNT as EMULATED_ACCOUNT

CST = ZoneInfo("Asia/Shanghai")


class Script:
    def __init__(self, info: dict[str, Any]) -> None:
        self.h = Hotline(info)
        self.orders: dict[str, dict[str, Any]] = {}  # ticket_id -> filing answer's order + request

    def now(self) -> datetime:
        return datetime.fromisoformat(self.h.get("/_local/clock").json()["now"]).astimezone(CST)

    def say(self, text: str) -> None:
        print(f"  {self.now():%m-%d %H:%M}  {text}", flush=True)

    def move(self, to: datetime | None = None, advance: str | None = None) -> None:
        body = {"to": to.isoformat()} if to else {"advance": advance}
        r = self.h.post("/_local/clock", body)
        r.raise_for_status()
        fired = r.json()["fired"]
        self.say(f"clock → {self.now():%Y-%m-%d %H:%M}" + (f"; {len(fired)} schedule(s) fired" if fired else ""))
        for f in fired:
            print(f"             fired {f['name']} at {f['at']}: {f.get('result')}")

    def file(self, channel: str, label: str, **body: Any) -> dict[str, Any]:
        answer = self.h.file(channel, **body)
        for order in answer["tickets"]:
            held = {"request_id": answer["request_id"], "query_code": answer["query_code"], "channel": channel}
            self.orders[order["ticket_id"]] = {**order, **held, "label": label}
            lead = order["lead_unit"] or "the dispatcher's queue"
            self.say(f"[{channel}] {label} → {order['ticket_id']} {order['status']} ({lead})")
        return answer

    def act(self, tid: str, who: str, action: str, **body: Any) -> dict[str, Any]:
        headers = self.h.unit(who) if who in self.h.info["units"] else self.h.staff(who)
        r = self.h.act(tid, headers, action, **body)
        if r.status_code != 200:
            self.say(f"{who}: {action} on {tid} refused {r.status_code}: {r.json()['error']['message']}")
            return {}
        t: dict[str, Any] = r.json()
        self.say(f"{who}: {action} {tid} → {t['status']}")
        return t

    def rate(self, tid: str, resolved: bool, satisfaction: str, comment: str) -> None:
        o = self.orders[tid]
        body = {"ticket_id": tid, "resolved": resolved, "satisfaction": satisfaction, "comment": comment}
        r = self.h.post(f"/requests/{o['request_id']}/rating", body, self.h.channel(o["channel"]),
                        query_code=o["query_code"])  # fmt: skip
        self.say(f"citizen rates {tid}: {satisfaction} → {r.json().get('status', r.text)}")

    def reply(self, tid: str, unit: str, result: str) -> None:
        self.act(tid, unit, "reply", handled_at=self.now().isoformat(), process="现场核查，协调相关单位处理",
                 result=result, citizen_contacted=True)  # fmt: skip


def _next_working_morning(now: datetime) -> datetime:
    day = now + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.replace(hour=9, minute=0, second=0, microsecond=0)


def play(info: dict[str, Any]) -> None:
    s = Script(info)
    catalog = s.h.get("/catalog", s.h.channel()).json()
    district = catalog["districts"][0]["code"]
    print(f"\n==> a day at the {catalog['name']} 12345 hotline (city {info['city']})")
    s.move(to=_next_working_morning(s.now()))

    water = s.file("phone", "停水投诉", type="complaint", category="water", content="小区停水两天了，物业说是管网问题",
                   location={"district": district}, citizen={"name": "王女士", "phone": "13800138001"})  # fmt: skip
    roads = s.file("app", "路灯不亮", type="help", category="roads", content="小区门口路灯坏了一周，晚上很黑",
                   location={"district": district}, citizen={"phone": "13800138002"})  # fmt: skip
    noise = s.file("wechat", "夜间施工噪音", type="complaint", category="environment",
                   content="工地每天夜里十一点后还在施工，噪音很大", location={"district": district},
                   citizen={"phone": "13800138003"})  # fmt: skip
    other = s.file("sub-hotline" if "sub-hotline" in catalog["channels"] else "portal", "无法归类的求助",
                   type="help", category="other", content="家门口的公共座椅坏了不知道归谁管",
                   location={"district": district}, citizen={"phone": "13800138004"})  # fmt: skip

    t_water, t_roads = water["tickets"][0]["ticket_id"], roads["tickets"][0]["ticket_id"]
    t_noise, t_other = noise["tickets"][0]["ticket_id"], other["tickets"][0]["ticket_id"]
    units = [u for u in info["units"] if u not in {o["lead_unit"] for o in s.orders.values()}]
    s.act(t_other, "dispatcher", "dispatch", lead_unit=units[0], note="按属地原则派街道办理")
    s.orders[t_other]["lead_unit"] = units[0]

    s.move(advance="PT1H")
    lead = {tid: o["lead_unit"] for tid, o in s.orders.items()}
    for tid in (t_water, t_roads, t_other):
        s.act(tid, lead[tid], "sign")
    for assist in s.orders[t_water]["assist_units"]:
        s.act(t_water, assist, "submit_assist", text="已安排管网抢修班组配合")
    s.act(t_roads, lead[t_roads], "request_extension", reason="需采购专用灯具，到货周期较长")
    s.act(t_roads, "reviewer", "decide_extension", approve=True, reason="理由充分，同意延期")

    s.move(advance="PT4H")
    s.reply(t_water, lead[t_water], "已修复破损管道，当日恢复供水")
    s.rate(t_water, True, "satisfied", "处理很及时")
    s.reply(t_other, lead[t_other], "已联系社区修复座椅")
    s.rate(t_other, False, "unsatisfied", "只是来看了一眼，没有修")
    s.act(t_other, "reviewer", "record_callback", resolved=False, satisfaction="unsatisfied", reasonable=True,
          comment="经核实未修复，诉求合理，退回重办")  # fmt: skip
    s.move(advance="PT2H")
    s.reply(t_other, lead[t_other], "已更换座椅并请市民现场确认")
    s.rate(t_other, True, "basically_satisfied", "修好了")

    print(f"\n==> {lead[t_noise]} never signs {t_noise}; the clock runs on")
    s.move(advance="P3D")

    print("\n==> timelines")
    for tid, o in s.orders.items():
        t = s.h.get(f"/tickets/{tid}", s.h.staff("supervisor")).json()
        print(f"  {tid} [{o['channel']}] {o['label']}: {t['status']}, overdue={t.get('overdue')}, "
              f"supervision level {t.get('supervision_level')}")  # fmt: skip
        for e in t["events"]:
            at = datetime.fromisoformat(e["at"]).astimezone(CST)
            print(f"      {at:%m-%d %H:%M}  {e['actor']:<28} {e['action']:<18} {e['from']} → {e['to']}")
        print(f"      workflow: {execution_path(s.h.info, tid)}")

    print("\n==> what units and citizens were told (SNS topics and SMS)")
    for m in s.h.outbox():
        print(f"  {m['to']:<16} {m['subject'] or m['message'][:60]}")

    rates(s)


def execution_path(info: dict[str, Any], ticket_id: str) -> str:
    """The states the order's execution went through, as the Step Functions console shows them."""
    import boto3

    sfn = boto3.client("stepfunctions", endpoint_url=info["emulator"], region_name=info["region"])
    machine = f"arn:aws:states:{info['region']}:{EMULATED_ACCOUNT}:stateMachine:hotline-{info['city']}-lifecycle"
    runs = [e for e in sfn.list_executions(stateMachineArn=machine)["executions"] if e["name"].startswith(ticket_id)]
    if not runs:
        return "no execution"
    latest = max(runs, key=lambda e: e["startDate"])
    events = sfn.get_execution_history(executionArn=latest["executionArn"], maxResults=1000)["events"]
    path = [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]
    return f"{' → '.join(path)} ({latest['status'].lower()})"


def rates(s: Script) -> None:
    """R-KPI-1 as the stack keeps them: the city's month so far, from GET /stats/kpi (docs/kpi.md)."""
    figures = s.h.get("/stats/kpi", s.h.staff("supervisor")).json()
    c = figures["counts"]

    def pct(rate: float | None, part: int, whole: int) -> str:
        return f"{100 * rate:.0f}% ({part}/{whole})" if rate is not None else "n/a"

    print(f"\n==> the three rates of {figures['name']}, {figures['period']} (R-KPI-1, GET /stats/kpi)")
    print(
        f"  response     {pct(figures['response_rate'], c['responded'], c['dispatched'])}  signed within the sign limit"
    )
    print(f"  resolution   {pct(figures['resolution_rate'], c['resolved'], c['asked_resolved'])}  rated as resolved")
    satisfaction = pct(figures["satisfaction_rate"], c["satisfied"], c["rated"])
    print(f"  satisfaction {satisfaction}  satisfied or basically satisfied")
