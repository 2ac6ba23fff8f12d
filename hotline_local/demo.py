"""`make demo`: an office day at a city's hotline on the local cloud, over HTTP only.

Citizens file on several channels from nine in the morning; a consultation is answered from the
knowledge base; one matter no route covers waits in the dispatcher's queue and is dispatched by
hand. Units sign within minutes, assisting units send their parts, one unit asks for an extension
(approved), one returns a misrouted order (approved, sent on to the right unit). Replies go out in
the afternoon; most citizens are satisfied, one is not, the complaint is upheld, the order is
handled again and the citizen rates it once more. Then every order's timeline, what units and
citizens were told, and the three rates (R-KPI-1) from GET /stats/kpi.

Every step is one the API must accept: a refusal stops the demo with the API's answer (`Refused`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests

from hotline_local.client import Hotline
from hotline_local.emulator import ACCOUNT as EMULATED_ACCOUNT

CST = ZoneInfo("Asia/Shanghai")


class Refused(RuntimeError):
    """The API refused one of the demo's scripted steps: the script or the product is wrong."""


class Script:
    def __init__(self, info: dict[str, Any], out: Any = print) -> None:
        self.h = Hotline(info)
        self.out = out
        self.orders: dict[str, dict[str, Any]] = {}  # ticket_id -> filing answer's order + request
        self.phones = 13800138001

    def now(self) -> datetime:
        return datetime.fromisoformat(self.h.get("/_local/clock").json()["now"]).astimezone(CST)

    def say(self, text: str) -> None:
        self.out(f"  {self.now():%m-%d %H:%M}  {text}")

    @staticmethod
    def check(r: requests.Response, expected: int, what: str) -> Any:
        if r.status_code != expected:
            try:
                error = r.json()["error"]
                reason = f"{error['code']}: {error['message']}"
            except (ValueError, KeyError, TypeError):
                reason = r.text[:300]
            raise Refused(f"{what} was refused with {r.status_code} ({reason})")
        return r.json()

    def move(self, to: datetime | None = None, advance: str | None = None) -> None:
        body = {"to": to.isoformat()} if to else {"advance": advance}
        fired = self.check(self.h.post("/_local/clock", body), 200, f"moving the clock {body}")["fired"]
        self.say(f"clock → {self.now():%Y-%m-%d %H:%M}" + (f"; {len(fired)} schedule(s) fired" if fired else ""))
        for f in fired:
            result = f.get("result") or {}
            done = result.get("routine") or result.get("status") or f.get("error") or ""
            self.out(f"             fired {f['name']} ({done})")

    def file(self, channel: str, label: str, **body: Any) -> dict[str, Any]:
        body.setdefault("citizen", {})["phone"] = str(self.phones)
        self.phones += 1
        r = self.h.post("/requests", {"channel": channel, **body}, self.h.channel(channel))
        answer: dict[str, Any] = self.check(r, 201, f"filing {label!r} on {channel}")
        if not answer["tickets"] or answer["outcome"] != "accepted":
            self.say(f"[{channel}] {label} → {answer['outcome']}: {str(answer.get('answer', ''))[:50]}")
        for order in answer["tickets"]:
            if order["status"] in {"answered", "transferred", "not_accepted", "duplicate"}:
                continue
            held = {"request_id": answer["request_id"], "query_code": answer["query_code"], "channel": channel}
            self.orders[order["ticket_id"]] = {**order, **held, "label": label}
            lead = order["lead_unit"] or "the dispatcher's queue"
            self.say(f"[{channel}] {label} → {order['ticket_id']} {order['status']} ({lead})")
        return answer

    def act(self, tid: str, who: str, action: str, **body: Any) -> dict[str, Any]:
        headers = self.h.unit(who) if who in self.h.info["units"] else self.h.staff(who)
        t: dict[str, Any] = self.check(self.h.act(tid, headers, action, **body), 200, f"{who}'s {action} on {tid}")
        self.say(f"{who}: {action} {tid} → {t['status']}")
        self.orders[tid].update({k: t[k] for k in ("lead_unit", "assist_units", "status", "deadlines") if k in t})
        return t

    def sign(self, tid: str) -> None:
        """The lead signs, and its assisting units send their parts."""
        order = self.orders[tid]
        t = self.act(tid, order["lead_unit"], "sign")
        sign_by = order.get("deadlines", {}).get("sign_by") or t.get("deadlines", {}).get("sign_by")
        if sign_by and self.now() > datetime.fromisoformat(sign_by):
            raise Refused(f"{tid} was signed after its sign deadline {sign_by}")

    def assist(self, tid: str, text: str) -> None:
        for unit in self.orders[tid]["assist_units"]:
            self.act(tid, unit, "submit_assist", text=text)

    def reply(self, tid: str, result: str) -> None:
        self.act(tid, self.orders[tid]["lead_unit"], "reply", handled_at=self.now().isoformat(),
                 process="现场核查，协调相关单位处理，并电话回复市民", result=result,
                 citizen_contacted=True)  # fmt: skip

    def rate(self, tid: str, resolved: bool, satisfaction: str, comment: str) -> dict[str, Any]:
        o = self.orders[tid]
        body = {"ticket_id": tid, "resolved": resolved, "satisfaction": satisfaction, "comment": comment}
        r = self.h.post(f"/requests/{o['request_id']}/rating", body, self.h.channel(o["channel"]),
                        query_code=o["query_code"])  # fmt: skip
        seen: dict[str, Any] = self.check(r, 200, f"the citizen's rating of {tid}")
        self.say(f"citizen rates {tid}: {satisfaction} → {seen['status']}")
        return seen


def _next_working_morning(now: datetime) -> datetime:
    day = now + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.replace(hour=9, minute=0, second=0, microsecond=0)


def _pick(units: list[str], prefer: tuple[str, ...], avoid: set[str]) -> str:
    for suffix in prefer:
        for u in units:
            if u.endswith(suffix) and u not in avoid:
                return u
    return next(u for u in units if u not in avoid)


def play(info: dict[str, Any], out: Any = print) -> dict[str, Any]:
    """The day; answers the three rates as GET /stats/kpi gives them."""
    s = Script(info, out)
    catalog = s.check(s.h.get("/catalog", s.h.channel()), 200, "reading the catalogue")
    district = catalog["districts"][0]
    place = {"district": district["code"]}
    channels = catalog["channels"]

    def channel(*names: str) -> str:
        return next((n for n in names if n in channels), channels[0])

    out(f"\n==> a day at the {catalog['name']} 12345 hotline (city {info['city']})")
    s.move(to=_next_working_morning(s.now()))

    out("\n==> 09:00 the lines open")
    water = s.file(channel("phone"), "停水投诉", type="complaint", category="water",
                   content=f"{district['name']}幸福里小区停水两天了，物业说是管网问题", location=place,
                   citizen={"name": "王女士"})  # fmt: skip
    roads = s.file(channel("app"), "路灯不亮", type="help", category="roads",
                   content="小区门口路灯坏了一周，晚上很黑，老人出门不方便", location=place)  # fmt: skip
    noise = s.file(channel("wechat"), "夜间施工噪音", type="complaint", category="environment",
                   content="工地每天夜里十一点后还在施工，噪音很大，影响休息", location=place)  # fmt: skip
    market = s.file(channel("web", "portal"), "预付卡退费", type="complaint", category="market",
                    content="健身房突然关门，预付卡余额三千元无法退费", location=place)  # fmt: skip
    bench = s.file(channel("sub-hotline", "portal", "web"), "公共座椅损坏", type="help", category="other",
                   content="家门口的公共座椅坏了不知道归谁管", location=place)  # fmt: skip
    s.file(channel("web", "app"), "公积金提取咨询", type="consultation", content="公积金怎么提取")

    t_water, t_roads = water["tickets"][0]["ticket_id"], roads["tickets"][0]["ticket_id"]
    t_noise, t_market = noise["tickets"][0]["ticket_id"], market["tickets"][0]["ticket_id"]
    t_bench = bench["tickets"][0]["ticket_id"]
    units = list(info["units"])
    busy = {o["lead_unit"] for o in s.orders.values() if o["lead_unit"]}
    for tid, order in s.orders.items():
        if order["status"] == "pending_dispatch":  # no route covers it: the dispatcher decides
            street = _pick(units, ("-xiaobailou", "-street"), busy)
            s.act(tid, "dispatcher", "dispatch", lead_unit=street, note="按属地原则派街道办理")

    out("\n==> 09:15 units sign within minutes; assisting units send their parts")
    s.move(advance="PT15M")
    for tid in s.orders:
        s.sign(tid)
    s.act(t_noise, s.orders[t_noise]["lead_unit"], "request_return",
          reason="夜间施工噪音属城市管理综合执法职责，非本单位职权")  # fmt: skip
    right = _pick(units, ("-chengguan",), {s.orders[t_noise]["lead_unit"], *busy})
    s.act(t_noise, "reviewer", "decide_return", approve=True, reason="经核实属城管执法职责，改派城管",
          redispatch_to=right)  # fmt: skip
    s.move(advance="PT10M")
    s.sign(t_noise)
    for tid in s.orders:
        s.assist(tid, "已安排人员配合现场处置")
    s.act(t_roads, s.orders[t_roads]["lead_unit"], "request_extension", days=2,
          reason="需采购专用灯具，到货周期较长")  # fmt: skip
    s.act(t_roads, "reviewer", "decide_extension", approve=True, reason="理由充分，同意延期")

    out("\n==> the afternoon: replies, and the citizens' ratings")
    s.move(advance="PT4H")
    s.reply(t_water, "已修复破损管道，当日恢复供水")
    s.rate(t_water, True, "satisfied", "处理很及时")
    s.reply(t_market, "已约谈经营者，退还预付卡余额")
    s.rate(t_market, True, "satisfied", "钱退回来了，谢谢")
    s.reply(t_noise, "已责令工地夜间停工，并安排夜间巡查")
    s.rate(t_noise, True, "basically_satisfied", "这两天安静了")
    s.reply(t_bench, "已联系社区查看座椅")
    s.rate(t_bench, False, "unsatisfied", "只是来看了一眼，没有修")
    s.act(t_bench, "reviewer", "record_callback", resolved=False, satisfaction="unsatisfied", reasonable=True,
          comment="经回访核实未修复，诉求合理，发回重办")  # fmt: skip
    s.move(advance="PT1H")
    s.reply(t_roads, "已更换损坏灯具，路灯恢复照明")
    s.rate(t_roads, True, "satisfied", "晚上亮了")
    s.reply(t_bench, "已更换座椅并请市民现场确认")
    s.rate(t_bench, True, "basically_satisfied", "修好了")
    for tid in set(s.orders) - {t_water, t_roads, t_noise, t_market, t_bench}:  # a consultation the KB did not answer
        s.reply(tid, "已电话告知市民办理流程和所需材料")
        s.rate(tid, True, "satisfied", "清楚了")

    out("\n==> timelines")
    for tid, o in s.orders.items():
        t = s.check(s.h.get(f"/tickets/{tid}", s.h.staff("supervisor")), 200, f"reading {tid}")
        out(f"  {tid} [{o['channel']}] {o['label']}: {t['status']}, overdue={t.get('overdue')}")
        for e in t["events"]:
            at = datetime.fromisoformat(e["at"]).astimezone(CST)
            out(f"      {at:%m-%d %H:%M}  {e['actor']:<28} {e['action']:<18} {e['from']} → {e['to']}")
        out(f"      workflow: {execution_path(s.h.info, tid)}")

    out("\n==> what units and citizens were told (SNS topics and SMS)")
    ours = set(s.orders)
    for m in s.h.outbox():
        if m["attributes"].get("ticket_id") in ours or m["to"].startswith("+86"):
            out(f"  {m['to']:<24} {(m['subject'] or m['message'])[:60]}")

    return rates(s)


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


def rates(s: Script) -> dict[str, Any]:
    """R-KPI-1 as the stack keeps them: the city's month so far, from GET /stats/kpi (docs/kpi.md)."""
    figures: dict[str, Any] = s.check(s.h.get("/stats/kpi", s.h.staff("supervisor")), 200, "reading the rates")
    c = figures["counts"]

    def pct(rate: float | None, part: int, whole: int) -> str:
        return f"{100 * rate:.0f}% ({part}/{whole})" if rate is not None else "n/a"

    s.out(f"\n==> the three rates of {figures['name']}, {figures['period']} (R-KPI-1, GET /stats/kpi)")
    s.out(f"  response     {pct(figures['response_rate'], c['responded'], c['dispatched'])}  signed within the limit")
    s.out(f"  resolution   {pct(figures['resolution_rate'], c['resolved'], c['asked_resolved'])}  rated as resolved")
    satisfaction = pct(figures["satisfaction_rate"], c["satisfied"], c["rated"])
    s.out(f"  satisfaction {satisfaction}  satisfied or basically satisfied")
    return figures
