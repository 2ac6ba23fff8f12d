// The staff console (R-UI-1): each role's work lists, the order with its timeline, and exactly the
// actions the transition table allows this person now, as forms built from the actions' payload
// schemas; the API's own messages are shown as they come. Plain ES modules, no build step.
import { bars, call, errorText, h, local, percent, say, urgency, when } from "./common/api.js";

const view = document.getElementById("view");
const nav = document.getElementById("nav");
const messages = document.getElementById("messages");
const who = document.getElementById("who");
let config, catalog, schemas;

const UNIT_FIELDS = new Set(["lead_unit", "redispatch_to", "to_unit", "to", "hand_down_to", "unit"]);

// -- session -------------------------------------------------------------------------------------

function session() {
  try { return JSON.parse(sessionStorage.getItem("hotline-session") || "null"); } catch { return null; }
}
function signIn(s) {
  sessionStorage.setItem("hotline-session", JSON.stringify(s));
  if (location.hash === home(s)) render();
  else location.hash = home(s); // hashchange renders
}
function signOut() {
  sessionStorage.removeItem("hotline-session");
  if (location.hash === "#/signin") render();
  else location.hash = "#/signin";
}
function home(s) {
  if (s.role === "unit") return "#/inbox";
  if (s.role === "supervisor") return "#/oversight";
  return "#/queues";
}
const api = (method, path, opts = {}) => call(method, path, { ...opts, token: (session() || {}).token });

function claimsOf(token) {
  const part = token.split(".")[1] || "";
  const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
  return JSON.parse(decodeURIComponent(Array.from(json, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`).join("")));
}

async function signInView() {
  const g = generation;
  nav.replaceChildren();
  who.replaceChildren();
  paint(g, h("h2", {}, "登录"));
  if (config.local) {
    const ids = (await call("GET", "_local/identities")).json || { staff: {}, units: {} };
    if (g !== generation) return;
    const roles = catalog.roles;
    const staff = Object.entries(ids.staff).map(([role, v]) =>
      h("button", { type: "button", "data-role": role, onclick: () => signIn({ token: v.token, role, label: roles[role] || role }) },
        roles[role] || role));
    const select = h("select", { id: "unit-pick", "aria-label": "选择单位" },
      Object.entries(ids.units).map(([id, v]) => h("option", { value: id }, `${v.name}（${id}）`)));
    const go = h("button", { type: "button", id: "unit-go", onclick: () => {
      const id = select.value;
      signIn({ token: ids.units[id].token, role: "unit", unit: id, label: ids.units[id].name });
    } }, "以该单位登录");
    view.append(h("p", {}, "本地演示环境：选择一个身份登录。"), h("div", { class: "row", id: "staff-pick" }, staff),
      h("label", { for: "unit-pick" }, "承办单位"), h("div", { class: "row" }, select, go));
    return;
  }
  const user = h("input", { id: "username", autocomplete: "username", required: true });
  const pass = h("input", { id: "password", type: "password", autocomplete: "current-password", required: true });
  const code = h("input", { id: "otp", inputmode: "numeric", autocomplete: "one-time-code" });
  const form = h("form", { onsubmit: (e) => { e.preventDefault(); cognitoSignIn(user.value, pass.value, code.value); } },
    h("label", { for: "username" }, "用户名"), user, h("label", { for: "password" }, "密码"), pass,
    h("label", { for: "otp" }, "动态验证码（已绑定验证器时）"), code, h("button", { type: "submit" }, "登录"));
  view.append(form);
}

function cognitoSignIn(username, password, otp) {
  const C = window.AmazonCognitoIdentity;
  if (!C) return say(messages, "登录组件未加载", "error");
  const pool = new C.CognitoUserPool({ UserPoolId: config.user_pool_id, ClientId: config.client_id });
  const user = new C.CognitoUser({ Username: username, Pool: pool });
  const done = {
    onSuccess: (s) => {
      const token = s.getIdToken().getJwtToken();
      const c = claimsOf(token);
      const role = (c["cognito:groups"] || [])[0];
      signIn({ token, role, unit: c["custom:unit_id"], label: c["cognito:username"] || username });
    },
    onFailure: (e) => say(messages, `登录失败：${e.message || e}`, "error"),
    totpRequired: () => user.sendMFACode(otp || prompt("请输入动态验证码"), done, "SOFTWARE_TOKEN_MFA"),
    mfaSetup: () => user.associateSoftwareToken({
      associateSecretCode: (secret) => {
        const first = prompt(`首次登录须绑定验证器。密钥：${secret}\n绑定后输入验证码：`);
        user.verifySoftwareToken(first, "console", done);
      },
      onFailure: done.onFailure,
    }),
    newPasswordRequired: () => user.completeNewPasswordChallenge(prompt("首次登录，请设置新密码"), {}, done),
  };
  user.authenticateUser(new C.AuthenticationDetails({ Username: username, Password: password }), done);
}

// -- the frame -------------------------------------------------------------------------------------

function frame(s) {
  const links = s.role === "unit"
    ? [["#/inbox", "本单位工单"], ["#/warnings", "预警"]]
    : [["#/queues", "工作队列"], ...(s.role === "supervisor" ? [["#/oversight", "统计与治理"]] : []), ["#/warnings", "预警"]];
  nav.replaceChildren(...links.map(([href, text]) => h("a", { href, "aria-current": location.hash.startsWith(href) ? "page" : null }, text)));
  who.replaceChildren(`${s.label}（${catalog.roles[s.role] || s.role}）`,
    " ", h("button", { type: "button", class: "link", onclick: signOut }, "退出"));
}

function row(t, s) {
  const u = urgency(t.due);
  const unit = catalog.units[t.lead_unit] || {};
  return h("tr", { class: `due-${u.cls}` },
    h("td", {}, h("a", { href: `#/order/${t.ticket_id}` }, t.ticket_id)),
    h("td", {}, catalog.statuses[t.status] || t.status),
    h("td", {}, (catalog.categories.find((c) => c.code === t.category) || {}).name || t.category || "未分类"),
    h("td", {}, unit.name || "—"),
    h("td", {}, t.part_name || (t.pending ? `待审：${t.pending}` : "")),
    h("td", {}, when(t.due), " ", h("span", { class: `tag ${u.cls}` }, u.text)),
    h("td", { class: "excerpt" }, t.excerpt || ""));
}

function table(rows, s, caption) {
  if (!rows.length) return h("p", { class: "empty" }, "暂无工单");
  return h("table", {}, h("caption", {}, caption),
    h("thead", {}, h("tr", {}, ["工单", "状态", "类别", "主办单位", "说明", "时限", "内容"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.map((t) => row(t, s))));
}

// -- views -------------------------------------------------------------------------------------------

// A view answers after its fetches; only the latest navigation may paint (no stale page wins a race)
let generation = 0;
function paint(g, ...nodes) {
  if (g !== generation) return false;
  view.replaceChildren(...nodes);
  view.dataset.view = location.hash || "#/";
  return true;
}

async function queuesView(s) {
  const g = generation;
  const r = await api("GET", "queues");
  if (!r.ok) return say(messages, errorText(r), "error");
  paint(g, h("h2", {}, "工作队列"),
    h("ul", { class: "queues" }, r.json.queues.map((q) => h("li", {},
      h("a", { href: `#/queue/${q.name}`, "data-queue": q.name }, q.label, " ", h("span", { class: "count" }, q.count))))));
}

async function queueView(s, name) {
  const g = generation;
  const r = await api("GET", `queues/${name}`);
  if (!r.ok) return say(messages, errorText(r), "error");
  paint(g, h("h2", {}, r.json.label), table(r.json.tickets, s, `${r.json.label}：最紧的时限在前`));
}

async function inboxView(s, part) {
  const g = generation;
  const r = await api("GET", `units/${s.unit}/tickets`, { query: { role: part } });
  if (!r.ok) return say(messages, errorText(r), "error");
  const tabs = [["", "全部"], ...Object.entries(catalog.parts)].map(([p, label]) =>
    h("a", { href: `#/inbox/${p}`, class: "tab", "aria-current": (part || "") === p ? "page" : null }, label));
  paint(g, h("h2", {}, "本单位工单"), h("nav", { class: "tabs", "aria-label": "办理角色" }, tabs),
    table(r.json.tickets, s, "按本单位的时限排序"));
}

async function orderView(s, id) {
  const g = generation;
  const r = await api("GET", `tickets/${id}`);
  if (!r.ok) return say(messages, errorText(r), "error");
  const t = r.json;
  const names = (ids) => (ids || []).map((u) => (catalog.units[u] || {}).name || u).join("、") || "—";
  const dl = (pairs) => h("dl", {}, pairs.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  const deadlines = Object.entries(t.deadlines || {}).filter(([, v]) => v)
    .map(([k, v]) => { const u = urgency(v); return [{ sign_by: "签收时限", reply_by: "办结时限", assist_by: "协办时限",
      callback_by: "回访时限", queue_by: "派单时限", return_by: "退单时限", dispatch_by: "派单时间" }[k] || k,
      h("span", {}, when(v), " ", h("span", { class: `tag ${u.cls}` }, u.text))]; });
  const citizen = t.citizen || {};
  paint(g, 
    h("h2", {}, `工单 ${t.ticket_id}`, " ", h("span", { class: "status", id: "status" }, catalog.statuses[t.status] || t.status)),
    h("section", { "aria-labelledby": "s-summary" }, h("h3", { id: "s-summary" }, "概要"), dl([
      ["类别", (catalog.categories.find((c) => c.code === t.category) || {}).name || "未分类"],
      ["地点", place(t.location)],
      ["主办单位", names(t.lead_unit ? [t.lead_unit] : [])], ["协办单位", names(t.assist_units)],
      ["经办单位", names(t.handling_unit ? [t.handling_unit] : [])],
      ["诉求人", [citizen.name, citizen.phone].filter(Boolean).join(" ") || "—"], ["内容", t.content]])),
    deadlines.length ? h("section", {}, h("h3", {}, "时限"), dl(deadlines)) : null,
    t.triage ? h("section", {}, h("h3", {}, "系统研判建议"), h("p", { id: "triage" }, suggestion(t.triage.suggested || {}))) : null,
    h("section", { "aria-labelledby": "s-actions" }, h("h3", { id: "s-actions" }, "可执行的操作"),
      t.allowed_actions.length ? t.allowed_actions.map((a) => actionForm(t, a)) : h("p", { class: "empty" }, "当前没有您可执行的操作")),
    h("section", {}, h("h3", {}, "办理记录"), h("ol", { class: "timeline" }, (t.events || []).map((e) =>
      h("li", {}, h("time", {}, when(e.at)), " ", catalog.actions[e.action] || e.action, " ",
        h("span", { class: "muted" }, `${catalog.statuses[e.from] || e.from} → ${catalog.statuses[e.to] || e.to}`))))));
  view.focus();
}

function place(loc) {
  const d = catalog.districts.find((x) => x.code === loc.district);
  const s = d && d.streets.find((x) => x.code === loc.street);
  return [d ? d.name : loc.district, s ? s.name : loc.street, loc.address].filter(Boolean).join(" ") || "—";
}

const OUTCOMES = { accepted: "受理为工单", not_accepted: "不予受理", transferred: "转紧急处置", answered: "即时解答", held: "人工研判" };
function suggestion(s) {
  const parts = [OUTCOMES[s.outcome] || s.outcome, s.reason ? `理由：${s.reason}` : null, s.desk ? `转 ${s.desk}` : null,
    s.hand_off ? `可转交：${s.hand_off}` : null];
  return parts.filter(Boolean).join("；") || "—";
}

// -- forms from the payload schemas ------------------------------------------------------------------

function resolve(schema, defs) {
  if (schema.$ref) return resolve(defs[schema.$ref.split("/").pop()], defs);
  if (schema.anyOf) { const real = schema.anyOf.find((x) => x.type !== "null") || {}; return { ...resolve(real, defs), optional: true, default: schema.default }; }
  return schema;
}

function field(name, schema, defs, required, prefix = "") {
  const s = resolve(schema, defs);
  const id = `f-${prefix}${name}`;
  const label = catalog.fields[name] || s.title || name;
  const mark = required ? " *" : "";
  if (s.type === "object" && s.properties) {
    return h("fieldset", { "data-object": name }, h("legend", {}, label + mark),
      Object.entries(s.properties).map(([k, v]) => field(k, v, defs, (s.required || []).includes(k), `${prefix}${name}.`)));
  }
  if (s.type === "boolean") {
    return h("div", { class: "check" }, h("input", { type: "checkbox", id, name: prefix + name, "data-kind": "bool" }),
      h("label", { for: id }, label));
  }
  let input;
  if (UNIT_FIELDS.has(name) || (name === "assist_units")) {
    const multi = name === "assist_units";
    input = h("select", { id, name: prefix + name, multiple: multi, "data-kind": multi ? "list" : "text", required: required && !multi },
      multi ? null : h("option", { value: "" }, "（请选择）"),
      Object.entries(catalog.units).map(([uid, u]) => h("option", { value: uid }, u.name)));
  } else if (s.enum) {
    input = h("select", { id, name: prefix + name, "data-kind": "text", required }, h("option", { value: "" }, "（请选择）"),
      s.enum.map((v) => h("option", { value: v }, catalog.values[v] || v)));
  } else if (name === "category") {
    input = h("select", { id, name: prefix + name, "data-kind": "text" }, h("option", { value: "" }, "（不更改）"),
      catalog.categories.map((c) => h("option", { value: c.code }, c.name)));
  } else if (s.type === "integer" || s.type === "number") {
    input = h("input", { id, name: prefix + name, type: "number", "data-kind": "number", required, min: s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : s.minimum });
  } else if (s.format === "date") {
    input = h("input", { id, name: prefix + name, type: "date", "data-kind": "text", required });
  } else if (s.format === "date-time") {
    input = h("input", { id, name: prefix + name, type: "datetime-local", "data-kind": "datetime", required });
  } else if (s.type === "array") {
    input = h("input", { id, name: prefix + name, "data-kind": "csv", placeholder: "多个用逗号分隔" });
  } else {
    const long = (s.maxLength || 0) > 200;
    input = h(long ? "textarea" : "input", { id, name: prefix + name, "data-kind": "text", required, rows: long ? 3 : null });
  }
  return h("div", { class: "field" }, h("label", { for: id }, label + mark), input);
}

function collect(form) {
  const out = {};
  for (const el of form.querySelectorAll("[name]")) {
    const path = el.name.split(".");
    let value;
    const kind = el.dataset.kind;
    if (kind === "bool") value = el.checked;
    else if (kind === "list") value = Array.from(el.selectedOptions).map((o) => o.value);
    else if (kind === "csv") value = el.value ? el.value.split(/[,，]/).map((x) => x.trim()).filter(Boolean) : undefined;
    else if (kind === "number") value = el.value === "" ? undefined : Number(el.value);
    else if (kind === "datetime") value = el.value ? new Date(el.value).toISOString() : undefined;
    else value = el.value === "" ? undefined : el.value;
    if (value === undefined || (Array.isArray(value) && !value.length && kind === "list")) continue;
    let at = out;
    for (const p of path.slice(0, -1)) at = at[p] = at[p] || {};
    at[path[path.length - 1]] = value;
  }
  return out;
}

function actionForm(t, a) {
  const schema = schemas[a.action] || { properties: {} };
  const defs = schema.$defs || {};
  const errors = h("div", { class: "form-errors", "aria-live": "assertive" });
  const form = h("form", { class: "action", "data-action": a.action, onsubmit: async (e) => {
    e.preventDefault();
    const body = { action: a.action, ...(collect(form)[a.action] || {}) };
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const r = await api("POST", `tickets/${t.ticket_id}/actions`, { body });
    button.disabled = false;
    if (!r.ok) return say(errors, errorText(r), "error");
    say(messages, `已${a.label}`, "info");
    orderView(session(), t.ticket_id);
  } }, Object.entries(schema.properties || {}).map(([k, v]) => field(k, v, defs, (schema.required || []).includes(k), `${a.action}.`)),
    errors, h("button", { type: "submit" }, a.label));
  // the inputs are named <action>.<field>, so that two forms on one page never share an id
  return h("details", { class: "action-box" }, h("summary", {}, a.label), form);
}

// -- supervisors: figures, rankings, hotspots, warnings, topics ----------------------------------------

async function oversightView(s) {
  const g = generation;
  const [kpi, ranking, hot, topics] = await Promise.all([api("GET", "stats/kpi"), api("GET", "stats/ranking", { query: { level: "unit" } }),
    api("GET", "stats/hotspots", { query: { by: "category" } }), api("GET", "topics")]);
  for (const r of [kpi, ranking, hot, topics]) if (!r.ok) return say(messages, errorText(r), "error");
  const rankCanvas = h("canvas", { id: "ranking-chart", role: "img", "aria-label": "各单位满意率" });
  const hotCanvas = h("canvas", { id: "hotspot-chart", role: "img", "aria-label": "本月诉求类别" });
  const units = ranking.json.rows.filter((r) => r.satisfaction_rate !== null).slice(0, 12);
  paint(g, h("h2", {}, "统计与治理"),
    h("section", {}, h("h3", {}, `全市三率（${kpi.json.period}）`), h("ul", { class: "rates" },
      h("li", {}, "响应率 ", h("strong", {}, percent(kpi.json.response_rate))),
      h("li", {}, "解决率 ", h("strong", {}, percent(kpi.json.resolution_rate))),
      h("li", {}, "满意率 ", h("strong", {}, percent(kpi.json.satisfaction_rate))))),
    h("section", {}, h("h3", {}, "单位排名（满意率）"), h("div", { class: "chart" }, rankCanvas),
      h("table", {}, h("thead", {}, h("tr", {}, ["单位", "响应率", "解决率", "满意率", "派单数"].map((c) => h("th", {}, c)))),
        h("tbody", {}, ranking.json.rows.slice(0, 20).map((r) => h("tr", {}, h("td", {}, r.name), h("td", {}, percent(r.response_rate)),
          h("td", {}, percent(r.resolution_rate)), h("td", {}, percent(r.satisfaction_rate)), h("td", {}, r.counts.dispatched || 0)))))),
    h("section", {}, h("h3", {}, "诉求热点（类别）"), h("div", { class: "chart" }, hotCanvas)),
    h("section", {}, h("h3", {}, "治理专题"), topics.json.topics.length
      ? h("ul", { id: "topics" }, topics.json.topics.map((t) => h("li", {}, `${t.title}（${t.status === "open" ? "进行中" : "已结束"}，复核 ${t.review_on}）`)))
      : h("p", { class: "empty" }, "暂无专题"), topicForm()));
  bars(rankCanvas, units.map((r) => r.name), [{ label: "满意率", data: units.map((r) => r.satisfaction_rate) }]);
  bars(hotCanvas, hot.json.rows.map((r) => r.name), [{ label: "诉求量", data: hot.json.rows.map((r) => r.requests) }]);
}

function topicForm() {
  // R-GOV-3: a supervisor opens a topic on a place × category scope, from a hotspot or a warning
  const errors = h("div", { "aria-live": "assertive" });
  const opt = (list, blank) => [h("option", { value: "" }, blank), ...list];
  const form = h("form", { id: "topic-form", onsubmit: async (e) => {
    e.preventDefault();
    const v = (id) => form.querySelector(`#${id}`).value || undefined;
    const body = { title: v("t-title"), plan: v("t-plan"), lead_unit: v("t-lead"), review_on: v("t-review"),
      scope: { district: v("t-district"), category: v("t-category") } };
    const r = await api("POST", "topics", { body });
    if (!r.ok) return say(errors, errorText(r), "error");
    say(messages, `已设立专题 ${r.json.topic_id}`);
    render();
  } },
    h("label", { for: "t-title" }, "专题名称 *"), h("input", { id: "t-title", required: true }),
    h("label", { for: "t-district" }, "区县"), h("select", { id: "t-district" },
      opt(catalog.districts.map((d) => h("option", { value: d.code }, d.name)), "（全市）")),
    h("label", { for: "t-category" }, "类别"), h("select", { id: "t-category" },
      opt(catalog.categories.map((c) => h("option", { value: c.code }, c.name)), "（全部类别）")),
    h("label", { for: "t-lead" }, "牵头单位 *"), h("select", { id: "t-lead", required: true },
      opt(Object.entries(catalog.units).map(([id, u]) => h("option", { value: id }, u.name)), "（请选择）")),
    h("label", { for: "t-plan" }, "治理方案 *"), h("textarea", { id: "t-plan", rows: 3, required: true }),
    h("label", { for: "t-review" }, "复核日期 *"), h("input", { id: "t-review", type: "date", required: true }),
    errors, h("button", { type: "submit" }, "设立专题"));
  return h("details", { class: "action-box" }, h("summary", {}, "设立治理专题"), form);
}

async function warningsView() {
  const g = generation;
  const r = await api("GET", "warnings");
  if (!r.ok) return say(messages, errorText(r), "error");
  paint(g, h("h2", {}, "预警"), r.json.warnings.length ? h("ul", {}, r.json.warnings.map((w) =>
    h("li", {}, `${when(w.raised_at)} ${w.kind === "cluster" ? "聚集预警" : "风险隐患"}：${w.tickets.length} 件 `,
      w.tickets.map((t) => h("a", { href: `#/order/${t}` }, t, " "))))) : h("p", { class: "empty" }, "暂无预警"));
}

// -- router --------------------------------------------------------------------------------------------

async function render() {
  generation += 1;
  messages.replaceChildren();
  const s = session();
  if (!s || location.hash === "#/signin") return signInView();
  frame(s);
  const [, page, arg] = (location.hash || home(s)).split("/");
  try {
    if (page === "queue") await queueView(s, arg);
    else if (page === "order") await orderView(s, arg);
    else if (page === "inbox") await inboxView(s, arg || "");
    else if (page === "oversight") await oversightView(s);
    else if (page === "warnings") await warningsView();
    else if (s.role === "unit") await inboxView(s, "");
    else await queuesView(s);
  } catch (e) {
    say(messages, `页面出错：${e.message || e}`, "error");
  }
}

async function start() {
  [config, catalog, schemas] = await Promise.all([local("config.json"), local("catalog.json"), local("actions.json")]);
  document.getElementById("title").textContent = `${config.name} 12345 热线工作台`;
  document.title = `${config.name} 12345 热线工作台`;
  window.addEventListener("hashchange", render);
  render();
}

start();
