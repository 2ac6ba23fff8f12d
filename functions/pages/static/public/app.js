// The public pages (R-UI-2): KB search, progress by request number and query code, the monthly
// report with charts. No credential: each call is a public route of the same stage.
import { bars, call, errorText, h, local, percent, say } from "./common/api.js";

const $ = (id) => document.getElementById(id);

$("kb-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const r = await call("GET", "public/kb", { query: { q: $("q").value } });
  if (!r.ok) return say($("kb-results"), errorText(r), "error");
  $("kb-results").replaceChildren(r.json.results.length
    ? h("ol", {}, r.json.results.map((x) => h("li", {}, h("strong", {}, x.question), h("p", {}, x.answer))))
    : h("p", { class: "empty" }, "没有找到答案，您可以拨打 12345 或在线提交诉求。"));
});

$("progress-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const id = $("request").value.trim();
  const r = await call("GET", `public/requests/${encodeURIComponent(id)}`, { query: { query_code: $("code").value.trim() } });
  if (!r.ok) return say($("progress-result"), r.status === 404 ? "诉求编号或查询码不正确" : errorText(r), "error");
  $("progress-result").replaceChildren(...r.json.tickets.map((t) => h("article", { class: "order" },
    h("h3", {}, `工单 ${t.ticket_id}：`, h("span", { class: "status" }, t.status_name || t.status)),
    t.lead_unit_name ? h("p", {}, `承办单位：${t.lead_unit_name}`) : null,
    t.reply ? h("p", {}, `办理结果：${t.reply.result}`) : null,
    t.guidance ? h("p", {}, t.guidance) : null,
    h("ol", { class: "timeline" }, (t.timeline || []).map((x) => h("li", {}, h("time", {}, x.at), " ", x.what))))));
});

async function report(period) {
  const r = await call("GET", "public/report", { query: { period } });
  if (!r.ok) return say($("report-body"), errorText(r), "error");
  const p = r.json;
  const cat = h("canvas", { id: "category-chart", role: "img", "aria-label": "按类别的诉求量" });
  const dist = h("canvas", { id: "district-chart", role: "img", "aria-label": "按区县的诉求量" });
  $("report-body").replaceChildren(
    h("p", {}, `${p.name} ${p.period}：共受理诉求 ${p.requests} 件。`),
    h("ul", { class: "rates" }, h("li", {}, "响应率 ", h("strong", {}, percent(p.rates.response_rate))),
      h("li", {}, "解决率 ", h("strong", {}, percent(p.rates.resolution_rate))),
      h("li", {}, "满意率 ", h("strong", {}, percent(p.rates.satisfaction_rate)))),
    h("h3", {}, "按类别"), h("div", { class: "chart" }, cat),
    h("h3", {}, "按区县"), h("div", { class: "chart" }, dist),
    h("table", {}, h("caption", {}, "按区县"), h("thead", {}, h("tr", {}, h("th", {}, "区县"), h("th", {}, "诉求量"))),
      h("tbody", {}, p.by_district.map((d) => h("tr", {}, h("td", {}, d.name), h("td", {}, d.requests))))),
    h("h3", {}, "单位排名"), h("table", {}, h("thead", {}, h("tr", {}, ["单位", "响应率", "解决率", "满意率"].map((c) => h("th", {}, c)))),
      h("tbody", {}, p.ranking.units.slice(0, 20).map((u) => h("tr", {}, h("td", {}, u.name), h("td", {}, percent(u.response_rate)),
        h("td", {}, percent(u.resolution_rate)), h("td", {}, percent(u.satisfaction_rate)))))));
  bars(cat, p.by_category.map((c) => c.name), [{ label: "诉求量", data: p.by_category.map((c) => c.requests) }]);
  bars(dist, p.by_district.map((d) => d.name), [{ label: "诉求量", data: p.by_district.map((d) => d.requests) }]);
}

$("report-form").addEventListener("submit", (e) => { e.preventDefault(); report($("period").value); });

local("config.json").then((c) => { $("title").textContent = `${c.name} 12345 市民服务热线`; document.title = $("title").textContent; });
report("");
