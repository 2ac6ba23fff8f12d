// What both sites share: the API of this stage (same origin), a small DOM builder, dates in the
// city's time, and the names staff and citizens read instead of codes.

export const stage = new URL("../", location.href); // /prod/console/ → /prod/ (locally: /)

export async function call(method, path, { body, token, query } = {}) {
  const url = new URL(path.replace(/^\//, ""), stage);
  for (const [k, v] of Object.entries(query || {})) if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  const r = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let json = null;
  try { json = await r.json(); } catch { json = null; }
  return { status: r.status, ok: r.ok, json };
}

export async function local(file) {
  const r = await fetch(new URL(file, location.href));
  if (!r.ok) throw new Error(`${file}: ${r.status}`);
  return r.json();
}

// h("p", {class: "x", onclick: f}, "text", child) — children may be strings, nodes, arrays or null
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function when(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return d.toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false, year: "numeric", month: "2-digit",
                                      day: "2-digit", hour: "2-digit", minute: "2-digit" });
}

// A deadline's state in words and a class: colour is never the only sign (accessibility)
export function urgency(iso, now = Date.now()) {
  if (!iso) return { cls: "none", text: "" };
  const left = new Date(iso).getTime() - now;
  if (left < 0) return { cls: "late", text: "已超时" };
  if (left < 2 * 3600 * 1000) return { cls: "soon", text: "即将到期" };
  return { cls: "ok", text: "时限内" };
}

export function percent(x) {
  return x === null || x === undefined ? "—" : `${(x * 100).toFixed(1)}%`;
}

export function say(region, text, kind = "info") {
  region.replaceChildren(h("p", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" }, text));
}

export function errorText(res) {
  const e = res.json && res.json.error;
  if (e && e.message) return e.message;
  if (res.json && res.json.message) return res.json.message;
  return `请求失败（HTTP ${res.status}）`;
}

export function bars(canvas, labels, series) {
  // Chart.js (vendored by make); a table beside each chart carries the same figures as text
  if (!window.Chart) return null;
  return new window.Chart(canvas, {
    type: "bar",
    data: { labels, datasets: series.map((s) => ({ label: s.label, data: s.data })) },
    options: { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { display: series.length > 1 } } },
  });
}
