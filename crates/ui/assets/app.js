// mlpilot's web app. Plain JavaScript, no dependencies. Everything a table or a model says is
// put on the page as text (textContent), never as markup: column names and values are data.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { project: null, meta: null, step: "data", events: null, best: [] };

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") e.textContent = v;
    else if (k === "class") e.className = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

// Text whose `backticked` parts (column names, values) are shown as code — still as text.
function rich(node, text) {
  clear(node);
  String(text === null || text === undefined ? "" : text).split("`").forEach((part, i) => {
    if (part) node.append(i % 2 ? el("code", { text: part }) : document.createTextNode(part));
  });
  return node;
}

// A technical term with its plain-language meaning one hover or focus away.
function term(key, shown) {
  const g = state.meta && state.meta.glossary ? state.meta.glossary[key] : null;
  if (!g) return document.createTextNode(shown);
  return el("abbr", { class: "term", "data-tip": g, "aria-description": g, tabindex: "0", text: shown });
}

function fmt(v, digits) {
  if (v === null || v === undefined || Number.isNaN(v)) return "—";
  if (typeof v !== "number") return String(v);
  return v.toFixed(digits === undefined ? 4 : digits);
}

function showError(msg) {
  const e = $("error");
  if (!msg) { e.hidden = true; e.textContent = ""; return; }
  e.textContent = msg;
  e.hidden = false;
}

async function api(path, opts) {
  const o = Object.assign({ headers: {} }, opts || {});
  if (o.json !== undefined) {
    o.body = JSON.stringify(o.json);
    o.headers["content-type"] = "application/json";
    delete o.json;
  }
  const r = await fetch(path, o);
  const type = r.headers.get("content-type") || "";
  const body = type.includes("json") ? await r.json() : await r.text();
  if (!r.ok) throw new Error(body && body.error ? body.error : `the app answered ${r.status}`);
  return body;
}

function busy(id, on) { $(id).hidden = !on; }

// ---------- steps ----------

function go(step) {
  state.step = step;
  for (const s of document.querySelectorAll("section[data-step]")) s.hidden = s.dataset.step !== step;
  for (const b of document.querySelectorAll(".steps button")) {
    if (b.dataset.go === step) b.setAttribute("aria-current", "step"); else b.removeAttribute("aria-current");
  }
  if (state.project) history.replaceState(null, "", `#${state.project.id}/${step}`);
  const h = document.querySelector(`section[data-step="${step}"] h2`);
  if (h) { h.tabIndex = -1; h.focus({ preventScroll: false }); }
}

function enableSteps() {
  const p = state.project;
  const on = {
    data: true,
    goal: !!(p && p.data),
    plan: !!(p && p.spec),
    train: !!(p && p.spec),
    result: !!(p && p.result),
    chat: !!(p && p.result),
    use: !!(p && p.result),
  };
  for (const b of document.querySelectorAll(".steps button")) b.disabled = !on[b.dataset.go];
}

// ---------- projects ----------

async function loadProjects() {
  const list = $("projects");
  clear(list);
  const { projects } = await api("/api/projects");
  $("projects-box").hidden = projects.length === 0;
  for (const p of projects) {
    const what = p.target ? `predicts ${p.target}` : "no goal yet";
    const score = p.score ? ` · ${p.score[0]} ${fmt(p.score[1])}` : "";
    const b = el("button", { type: "button", text: `Open ${p.name}` });
    b.addEventListener("click", () => openProject(p.id));
    list.append(el("li", {}, b, ` ${what}${score} · ${p.created.slice(0, 16).replace("T", " ")}`));
  }
}

async function openProject(id, step) {
  showError(null);
  try {
    state.project = await api(`/api/projects/${encodeURIComponent(id)}`);
    render();
    const p = state.project;
    go(step || (p.status === "training" ? "train" : p.result ? "result" : p.spec ? "plan" : "data"));
    if (p.status === "training") follow();
  } catch (e) { showError(e.message); }
}

async function upload(file) {
  if (!file) return;
  showError(null);
  busy("upload-busy", true);
  try {
    const max = state.meta ? state.meta.max_upload : 0;
    if (max && file.size > max) throw new Error(`${file.name} is ${(file.size / 1048576).toFixed(0)} MB; the app takes files up to ${(max / 1048576).toFixed(0)} MB`);
    state.project = await api(`/api/projects?name=${encodeURIComponent(file.name)}`, { method: "POST", body: file });
    render();
    go("data");
    loadProjects();
  } catch (e) {
    showError(`${file.name} could not be used: ${e.message}`);
  } finally {
    busy("upload-busy", false);
    $("upload").value = "";
  }
}

// ---------- rendering ----------

function render() {
  const p = state.project;
  enableSteps();
  if (!p) return;
  renderData(p);
  renderTask(p);
  renderPlan(p);
  renderTrain(p);
  renderResult(p);
  renderChat(p);
  renderUse(p);
}

function miniChart(chart) {
  const box = el("div", { class: "mini", role: "img", "aria-label": chart.labels.map((l, i) => `${l}: ${chart.counts[i]}`).join(", ") });
  const max = Math.max(1, ...chart.counts);
  chart.labels.forEach((l, i) => {
    const bar = el("span", { title: `${l}: ${chart.counts[i]} rows` });
    bar.style.height = `${Math.max(2, (100 * chart.counts[i]) / max)}%`;
    box.append(bar);
  });
  return box;
}

function renderData(p) {
  const d = p.data;
  $("data-box").hidden = !d || !d.columns.length;
  if (!d) return;
  rich($("dataset-summary"), `${p.name} — ${d.summary}`);
  const w = clear($("warnings"));
  for (const x of d.warnings) w.append(rich(el("li"), x));
  const n = clear($("notes"));
  for (const x of d.notes) n.append(el("li", { text: x }));
  const body = clear(document.querySelector("#columns tbody"));
  for (const c of d.columns) {
    body.append(el("tr", {},
      el("th", { scope: "row", text: c.name }),
      el("td", {}, term(`kind_${c.kind}`, c.kind)),
      el("td", { class: "num", text: String(c.missing) }),
      el("td", { class: "num", text: String(c.distinct) }),
      el("td", {}, miniChart(c.chart)),
      rich(el("td"), c.reason)));
  }
}

// The glossary entry for a preprocessing step's name.
function stepKey(step) {
  const s = step.toLowerCase();
  for (const [k, key] of [["one-hot", "one_hot"], ["impute", "impute"], ["standard", "standardize"], ["scale", "standardize"], ["tf-idf", "tfidf"], ["log1p", "log1p"], ["ordinal", "ordinal"], ["drop", "drop"]]) {
    if (s.includes(k)) return key;
  }
  return step;
}

// A value as a person reads it: long decimals cut to four significant digits.
function shortValue(v) {
  const n = Number(v);
  if (v === null || v === undefined || v === "" || Number.isNaN(n) || !/\.\d{5,}/.test(String(v))) return v ?? "";
  return String(Number(n.toPrecision(4)));
}

function taskWords(task) {
  return { binary: "one of two outcomes", multiclass: "one of several labels", regression: "a number" }[task] || task;
}

function renderTask(p) {
  const box = $("task-confirm");
  if (p.goal && !$("goal").value) $("goal").value = p.goal;
  box.hidden = !p.spec;
  if (!p.spec) return;
  const s = p.spec;
  const line = clear($("task-line"));
  line.append("I will predict ", el("strong", { text: s.target }), ` — ${taskWords(s.task)} (`,
    term(s.task, s.task), ") — and score models by ", term(s.metric, metricName(s.metric)), ".");
  const why = [];
  if (s.notes && s.notes.length) why.push(`Why: ${s.notes.join("; ")}.`);
  else if (p.task_text) why.push(p.task_text);
  if (s.excluded && s.excluded.length) why.push(`Left out: ${s.excluded.map((c) => `\`${c}\``).join(", ")}.`);
  if (s.undecided) why.push("The evidence for the two is close: choose below which one you mean.");
  $("task-change").open = !!s.undecided;
  rich($("task-why"), `${why.join(" ")}${p.task_source ? ` (decided by: ${p.task_source === "offline" ? "the built-in rules" : p.task_source})` : ""}`);
  rich($("task-runner"), s.runner_up ? `Runner-up: \`${s.runner_up.target}\` (${s.runner_up.task}) — ${s.runner_up.reason}` : "");
  const t = clear($("task-target"));
  for (const c of (p.data ? p.data.columns : [])) t.append(el("option", { value: c.name, text: c.name, selected: c.name === s.target }));
  fillMetrics(s.task, s.metric);
}

function metricName(id) {
  if (!state.meta) return id;
  for (const list of Object.values(state.meta.tasks)) for (const m of list) if (m.id === id) return m.name;
  return id;
}

function fillMetrics(task, chosen) {
  const m = $("task-metric");
  const keep = m.firstElementChild;
  clear(m).append(keep);
  const list = state.meta && state.meta.tasks[task] ? state.meta.tasks[task] : [];
  for (const x of list) m.append(el("option", { value: x.id, text: x.name, selected: x.id === chosen }));
}

function renderPlan(p) {
  if (!p.plan) return;
  rich($("plan-text"), p.plan.text);
  const body = clear(document.querySelector("#plan-steps tbody"));
  for (const s of p.plan.steps) {
    body.append(el("tr", {}, el("th", { scope: "row", text: s.column }), el("td", {}, term(stepKey(s.step), s.step)), rich(el("td"), s.reason)));
  }
  const f = clear($("families"));
  for (const [name, why] of p.plan.families) f.append(el("li", {}, el("strong", { text: name }), `: ${why}`));
}

let lastSpoken = 0;
// Screen readers hear the progress every ten seconds, not at every trial.
function announce(text, now) {
  if (!now && Date.now() - lastSpoken < 10000) return;
  lastSpoken = Date.now();
  $("progress-sr").textContent = text;
}

function renderTrain(p) {
  const training = p.status === "training";
  $("train").disabled = training;
  $("stop").disabled = !training;
  if (!training && p.budget_secs && document.activeElement !== $("budget")) $("budget").value = Math.round(p.budget_secs);
  if (!training && !state.events) {
    const r = p.result;
    $("progress").textContent = p.error ? `The last search did not finish: ${p.error}`
      : r ? `Done: ${r.summary.trials} models tried in ${fmt(r.summary.timings.total_secs, 1)} s; the best model scores ${fmt(r.summary.cv_score)} (${metricName(r.summary.metric)}).`
      : "Not started.";
  }
}

function hbars(container, rows, opts) {
  clear(container);
  const max = Math.max(1e-12, ...rows.map((r) => Math.abs(r.value)));
  for (const r of rows) {
    const fill = el("div", { class: `fill ${opts && opts.signed ? (r.value < 0 ? "neg" : "pos") : ""}` });
    fill.style.width = `${(100 * Math.abs(r.value)) / max}%`;
    container.append(el("div", { class: "label", text: r.label }), el("div", { class: "track", role: "img", "aria-label": `${r.label}: ${fmt(r.value)}` }, fill), el("div", { class: "value", text: (opts && opts.signed && r.value > 0 ? "+" : "") + fmt(r.value) }));
  }
}

function renderResult(p) {
  const r = p.result;
  if (!r) return;
  const s = r.summary;
  rich($("meaning"), r.meaning || "");
  rich($("narrative"), r.details || s.narrative);
  const stale = p.spec && (p.spec.target !== s.target || p.spec.metric !== s.metric);
  $("stale").hidden = !stale;
  if (stale) rich($("stale"), `This model predicts \`${s.target}\` scored by ${metricName(s.metric)}; you have since chosen \`${p.spec.target}\` (${metricName(p.spec.metric)}). Train again for a model of that.`);
  const facts = clear($("facts"));
  const add = (k, label, v) => facts.append(el("dt", {}, k ? term(k, label) : label), el("dd", { text: v }));
  add(s.metric, metricName(s.metric), `${fmt(s.cv_score)} ± ${fmt(s.cv_std)}`);
  if (s.baseline_score !== null && s.baseline_score !== undefined) add("baseline", "always the same answer", fmt(s.baseline_score));
  add("validation", "checked on", s.validation);
  facts.append(el("dt", {}, term("ensemble", "the model")), el("dd", { text: r.model || s.best_model, title: s.best_model }));
  add("trial", "models tried", String(s.trials));
  add(null, "rows learnt from", String(s.n_rows));
  if (s.decision_threshold) add("threshold", "decision threshold", fmt(s.decision_threshold.threshold, 3));
  hbars($("importances"), s.importances.slice(0, 15).map(([f, v]) => ({ label: f, value: v })));
  const lb = $("leaderboard");
  const head = clear(lb.tHead);
  head.append(el("tr", {}, el("th", { scope: "col", text: "#" }), el("th", { scope: "col", text: "Model" }), el("th", { scope: "col" }, term(s.metric, metricName(s.metric))), el("th", { scope: "col", text: "± over folds" }), el("th", { scope: "col", text: "Seconds" }), el("th", { scope: "col", text: "Status" })));
  const body = clear(lb.tBodies[0]);
  s.leaderboard.slice(0, 50).forEach((row, i) => {
    body.append(el("tr", {}, el("td", { class: "num", text: String(i + 1) }), el("td", { text: row.model }), el("td", { class: "num", text: fmt(row.score) }), el("td", { class: "num", text: fmt(row.std) }), el("td", { class: "num", text: fmt(row.fit_secs, 2) }), el("td", { text: row.status + (row.error ? `: ${row.error}` : "") })));
  });
}

function renderMessage(m) {
  const box = rich(el("div", { class: "msg", "data-role": m.role }), m.text);
  box.dataset.text = m.text;
  for (const t of m.changes || []) {
    if (t.after === null || t.after === undefined) continue;
    const line = el("div", { class: "change" }, term(t.metric || "", metricName(t.metric || "")), `: ${fmt(t.before)} → ${fmt(t.after)} `,
      el("span", { class: t.kept ? "kept" : "notkept", text: t.kept ? "kept" : "not kept" }),
      t.noise ? el("span", {}, " (", term("noise", "noise"), ` ± ${fmt(t.noise)})`) : null);
    box.append(line);
  }
  return box;
}

function renderChat(p) {
  const log = $("chat-log");
  const shown = [...log.children].map((c) => `${c.dataset.role}\u0000${c.dataset.text}`);
  const same = shown.every((k, i) => p.chat[i] && k === `${p.chat[i].role}\u0000${p.chat[i].text}`);
  if (!same) clear(log);
  for (const m of p.chat.slice(same ? log.children.length : 0)) log.append(renderMessage(m));
  log.scrollTop = log.scrollHeight;
}

function renderUse(p) {
  if (!p.result) return;
  $("command").textContent = p.result.command;
  const d = p.deploy;
  $("undeploy").hidden = !d;
  $("deploy").disabled = !!d;
  $("endpoint").textContent = d ? `${d.predict_url} — POST rows here for predictions` : "";
  const sn = clear($("snippets"));
  if (d) {
    for (const [lang, code] of Object.entries(d.snippets)) {
      const id = `snippet-${lang}`;
      sn.append(el("h4", { text: { curl: "curl", python: "Python (requests)", rust: "Rust (reqwest)" }[lang] || lang }), el("pre", { class: "code", id, text: code }), copyButton(id));
    }
  }
}

function copyButton(id) {
  const b = el("button", { type: "button", class: "copy", text: "Copy" });
  b.addEventListener("click", () => copy(id, b));
  return b;
}

async function copy(id, button) {
  try { await navigator.clipboard.writeText($(id).textContent); button.textContent = "Copied"; }
  catch (_) { const r = document.createRange(); r.selectNodeContents($(id)); const s = getSelection(); s.removeAllRanges(); s.addRange(r); button.textContent = "Selected — press Ctrl+C"; }
}

// ---------- training ----------

function drawBest() {
  const box = clear($("best-chart"));
  const pts = state.best;
  if (pts.length < 1) return;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 600 180");
  svg.setAttribute("role", "img");
  const last = pts[pts.length - 1];
  svg.setAttribute("aria-label", `best score ${fmt(last.best)} after ${fmt(last.t, 0)} seconds`);
  const xs = pts.map((p) => p.t), ys = pts.map((p) => p.best);
  const x0 = 0, x1 = Math.max(1, ...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  const sx = (x) => 50 + (540 * (x - x0)) / (x1 - x0 || 1);
  const sy = (y) => 160 - (140 * (y - y0)) / (y1 - y0 || 1);
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", pts.map((p) => `${sx(p.t)},${sy(p.best)}`).join(" "));
  line.setAttribute("fill", "none"); line.setAttribute("stroke", "#1f5fbf"); line.setAttribute("stroke-width", "2");
  svg.append(line);
  for (const [y, v] of [[sy(y1), y1], [sy(y0), y0]]) {
    const t = document.createElementNS(ns, "text");
    t.setAttribute("x", "2"); t.setAttribute("y", String(y + 4)); t.setAttribute("font-size", "11");
    t.textContent = fmt(v); svg.append(t);
  }
  const tx = document.createElementNS(ns, "text");
  tx.setAttribute("x", "540"); tx.setAttribute("y", "176"); tx.setAttribute("font-size", "11");
  tx.textContent = `${fmt(x1, 0)} s`; svg.append(tx);
  box.append(svg);
}

function follow(opts) {
  const navigate = !opts || opts.navigate !== false;
  if (state.events) state.events.close();
  state.best = [];
  drawBest();
  const p = state.project;
  const es = new EventSource(`/api/projects/${encodeURIComponent(p.id)}/events`);
  state.events = es;
  let budget = p.budget_secs;
  es.onmessage = async (m) => {
    const e = JSON.parse(m.data);
    if (e.kind === "started") { budget = e.budget_secs; $("progress").textContent = "Searching…"; }
    if (e.kind === "trial") {
      if (e.best !== null && e.best !== undefined) { state.best.push({ t: e.elapsed, best: e.best }); drawBest(); }
      const left = e.seconds_left !== null && e.seconds_left !== undefined ? `, about ${Math.max(0, Math.round(e.seconds_left))} s left` : "";
      $("progress").textContent = `${e.done} models tried; best score so far ${fmt(e.best)}${left}.`;
      announce($("progress").textContent);
      if (budget) $("time-bar").style.width = `${Math.min(100, (100 * e.elapsed) / budget)}%`;
    }
    if (e.kind === "finished" || e.kind === "failed") {
      es.close(); state.events = null;
      $("time-bar").style.width = "100%";
      announce(e.kind === "finished" ? "Training finished." : "Training did not finish.", true);
      if (!navigate) return;
      await openProject(p.id, e.kind === "finished" ? "result" : "train");
      if (e.kind === "failed") showError(`Training did not finish: ${e.error}`);
    }
  };
  // The browser reconnects by itself (with Last-Event-ID); a search that ended meanwhile, or an
  // app that restarted, is seen in the project's status instead.
  es.onerror = async () => {
    try {
      const now = await api(`/api/projects/${encodeURIComponent(p.id)}`);
      if (now.status !== "training") { es.close(); state.events = null; if (navigate) await openProject(p.id, now.result ? "result" : "train"); }
    } catch (_) { /* the app is away; the browser keeps trying */ }
  };
}

async function train() {
  showError(null);
  const secs = Number($("budget").value);
  if (!(secs >= 1)) { showError("The budget is a number of seconds, at least 1."); return; }
  try {
    state.project = await api(`/api/projects/${encodeURIComponent(state.project.id)}/train`, { method: "POST", json: { budget_secs: secs } });
    render();
    $("progress").textContent = "Starting…";
    $("time-bar").style.width = "0";
    follow();
  } catch (e) { showError(e.message); }
}

// ---------- wiring ----------

function wire() {
  for (const b of document.querySelectorAll("[data-go]")) b.addEventListener("click", () => go(b.dataset.go));
  $("upload").addEventListener("change", (e) => upload(e.target.files[0]));
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); upload(e.dataTransfer.files[0]); });

  $("goal-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    showError(null);
    busy("goal-busy", true);
    $("goal-submit").disabled = true;
    try {
      state.project = await api(`/api/projects/${encodeURIComponent(state.project.id)}/goal`, { method: "POST", json: { goal: $("goal").value } });
      render();
    } catch (err) { showError(err.message); }
    finally { busy("goal-busy", false); $("goal-submit").disabled = false; }
  });
  $("task-kind").addEventListener("change", () => fillMetrics($("task-kind").value || (state.project.spec || {}).task, ""));
  $("task-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    showError(null);
    try {
      state.project = await api(`/api/projects/${encodeURIComponent(state.project.id)}/task`, { method: "POST", json: { target: $("task-target").value, task: $("task-kind").value || null, metric: $("task-metric").value || null } });
      render();
    } catch (err) { showError(err.message); }
  });

  $("train").addEventListener("click", train);
  $("stop").addEventListener("click", async () => {
    $("stop").disabled = true;
    $("progress").textContent = "Stopping: the best model so far is being finished…";
    try { await api(`/api/projects/${encodeURIComponent(state.project.id)}/stop`, { method: "POST" }); } catch (e) { showError(e.message); }
  });
  for (const pr of (state.meta && state.meta.presets) || []) {
    const b = el("button", { type: "button", class: "secondary", text: `${pr.label} (${pr.seconds < 120 ? pr.seconds + " s" : pr.seconds / 60 + " min"})` });
    b.addEventListener("click", () => { $("budget").value = pr.seconds; });
    $("presets").append(b);
  }

  $("show-report").addEventListener("click", () => {
    const f = $("report");
    f.hidden = false;
    $("show-report").textContent = "Writing the report… (it measures what the model relies on)";
    f.addEventListener("load", () => { $("show-report").textContent = "Reload the report"; }, { once: true });
    f.src = `/api/projects/${encodeURIComponent(state.project.id)}/report?t=${Date.now()}`;
  });

  $("chat-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = $("chat-input").value.trim();
    if (!text) return;
    showError(null);
    $("chat-log").append(renderMessage({ role: "user", text }));
    $("chat-input").value = "";
    $("chat-send").disabled = true;
    busy("chat-busy", true);
    $("chat-stop").disabled = false;
    try {
      const r = await api(`/api/projects/${encodeURIComponent(state.project.id)}/chat`, { method: "POST", json: { text } });
      state.project = r.project;
      render();
    } catch (err) {
      $("chat-log").lastChild.remove();
      $("chat-input").value = text;
      showError(err.message);
    } finally { $("chat-send").disabled = false; busy("chat-busy", false); }
  });

  $("chat-stop").addEventListener("click", async () => {
    $("chat-stop").disabled = true;
    try { await api(`/api/projects/${encodeURIComponent(state.project.id)}/stop`, { method: "POST" }); } catch (e) { showError(e.message); }
  });
  for (const b of document.querySelectorAll("[data-copy]")) b.addEventListener("click", () => copy(b.dataset.copy, b));

  $("predict-file").addEventListener("change", async (e) => {
    const f = e.target.files[0];
    if (!f) return;
    showError(null);
    const out = clear($("predict-out"));
    out.textContent = "Predicting…";
    try {
      const r = await fetch(`/api/projects/${encodeURIComponent(state.project.id)}/predict?name=${encodeURIComponent(f.name)}`, { method: "POST", body: f });
      if (!r.ok) throw new Error((await r.json()).error);
      const blob = await r.blob();
      const rows = (await blob.text()).trim().split("\n").length - 1;
      const a = el("a", { href: URL.createObjectURL(blob), download: "predictions.csv", text: "Download predictions.csv" });
      const t = state.project.result && state.project.result.summary.decision_threshold;
      clear(out).append(`${rows} rows predicted. `, a, t ? ` A row is called \u201c${state.project.result.summary.classes.slice(-1)[0]}\u201d when its probability is at least ${fmt(t.threshold, 3)} (the decision threshold).` : "");
    } catch (err) { clear(out); showError(`${f.name}: ${err.message}`); }
    e.target.value = "";
  });

  $("explain-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    showError(null);
    $("explain-sentence").textContent = "Explaining…";
    try {
      const r = await api(`/api/projects/${encodeURIComponent(state.project.id)}/explain`, { method: "POST", json: { row: Number($("explain-row").value) } });
      const x = r.explanation;
      rich($("explain-sentence"), `Row ${r.row}: the model predicts \`${x.prediction}\`. ${r.sentence}`);
      hbars($("explain-chart"), x.contributions.slice(0, 12).map((c) => ({ label: `${c.feature} = ${shortValue(c.input ?? r.values[c.feature])}`, value: c.value })), { signed: true });
    } catch (err) { $("explain-sentence").textContent = ""; showError(err.message); }
  });

  $("deploy").addEventListener("click", async () => {
    showError(null);
    $("deploy").disabled = true;
    try {
      await api(`/api/projects/${encodeURIComponent(state.project.id)}/deploy`, { method: "POST" });
      state.project = await api(`/api/projects/${encodeURIComponent(state.project.id)}`);
      render();
    } catch (err) { $("deploy").disabled = false; showError(err.message); }
  });
  $("undeploy").addEventListener("click", async () => {
    try { state.project = await api(`/api/projects/${encodeURIComponent(state.project.id)}/deploy`, { method: "DELETE" }); render(); }
    catch (err) { showError(err.message); }
  });

  $("monitor-file").addEventListener("change", async (e) => {
    const f = e.target.files[0];
    if (!f) return;
    showError(null);
    const words = clear($("monitor-words"));
    words.append(el("li", { text: "Checking…" }));
    try {
      const r = await api(`/api/projects/${encodeURIComponent(state.project.id)}/monitor?name=${encodeURIComponent(f.name)}`, { method: "POST", body: f });
      clear(words);
      for (const s of r.sentences) words.append(rich(el("li"), s));
      const psi = r.report.columns.filter((c) => c.test === "psi");
      hbars($("monitor-chart"), psi.map((c) => ({ label: `${c.name}${c.drift ? " (changed)" : ""}`, value: c.statistic })));
      const perf = r.report.performance;
      const pc = clear($("monitor-perf"));
      if (perf && perf.current_score !== null && perf.current_score !== undefined) {
        hbars(pc, [{ label: `${metricName(perf.metric)} at validation`, value: perf.validation_score }, { label: `${metricName(perf.metric)} on the recent rows`, value: perf.current_score }]);
      }
    } catch (err) { clear(words); showError(`${f.name}: ${err.message}`); }
    e.target.value = "";
  });
}

async function start() {
  try {
    state.meta = await api("/api/meta");
    wire();
    $("advisor").textContent = `Assistant: ${state.meta.advisor === "offline" ? "built-in rules (offline)" : state.meta.advisor}`;
    await loadProjects();
    const [id, step] = location.hash.slice(1).split("/");
    if (id) await openProject(decodeURIComponent(id), step);
    else go("data");
  } catch (e) { showError(e.message); }
}

document.addEventListener("DOMContentLoaded", start);
