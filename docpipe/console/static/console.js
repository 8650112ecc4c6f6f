// The docpipe console: one page, routed by the URL's hash, reading the JSON API under /api/.
// Every text from a document or an execution goes into the page as text, never as HTML;
// the one exception is the workflow graph, an SVG the server builds with escaped labels.
"use strict";

const view = document.getElementById("view");

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === "onclick") node.addEventListener("click", value);
    else if (name === "text") node.textContent = value;
    else if (value !== null && value !== undefined) node.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(path, options = {}) {
  const response = await fetch("/api/" + path, options);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

function post(path, body, headers = {}) {
  return api(path, {
    method: "POST",
    headers: { "X-Docpipe-Console": "1", ...headers },
    body: body,
  });
}

const seconds = (value) => (value === null || value === undefined ? "–" : value.toFixed(3) + " s");
const when = (iso) => (iso ? iso.replace("T", " ").replace(/\+00:00$/, "Z") : "–");
const statusBadge = (status) => el("span", { class: "status " + String(status).toLowerCase().replace(/ /g, "-") }, status);
const link = (href, text) => el("a", { href: href }, text);
const execLink = (name, text) => link("#/execution/" + encodeURIComponent(name), text || name);
const docLink = (id, text) => link("#/document/" + encodeURIComponent(id), text || id.slice(0, 12));

function table(headings, rows, attrs = {}) {
  return el("table", attrs,
    el("thead", {}, el("tr", {}, headings.map((h) => el("th", {}, h)))),
    el("tbody", {}, rows));
}

// The page's content, leaving out the parts that are null (nothing to show).
function show(...nodes) {
  view.replaceChildren(...nodes.flat().filter((node) => node !== null && node !== undefined));
}

function failure(error) {
  show(el("p", { class: "error", role: "alert" }, String(error.message || error)));
}

// -- the execution list ---------------------------------------------------------------------

async function showExecutions(params) {
  const status = params.get("status") || "";
  const query = params.get("q") || "";
  const search = new URLSearchParams();
  if (status) search.set("status", status);
  if (query) search.set("q", query);
  const rows = await api("executions?" + search);
  const filter = el("select", { id: "status-filter", "aria-label": "status" },
    ["", "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"].map((s) => {
      const option = el("option", { value: s }, s || "any status");
      if (s === status) option.selected = true;
      return option;
    }));
  const box = el("input", { id: "key-search", type: "search", placeholder: "search by key", value: query });
  const apply = () => {
    const next = new URLSearchParams();
    if (filter.value) next.set("status", filter.value);
    if (box.value) next.set("q", box.value);
    location.hash = "#/?" + next;
  };
  filter.addEventListener("change", apply);
  box.addEventListener("keydown", (event) => { if (event.key === "Enter") apply(); });
  show(
    el("h1", {}, "Executions"),
    el("div", { class: "toolbar" }, filter, box, el("button", { onclick: apply }, "Search"), uploadForm()),
    rows.length === 0
      ? el("p", { id: "no-executions" }, "No executions yet: run files with `docpipe run`, or upload one here.")
      : table(["Name", "Status", "Document", "Started", "Duration"],
        rows.map((r) => el("tr", { class: "execution", "data-name": r.name, "data-status": r.status },
          el("td", {}, execLink(r.name)),
          el("td", {}, statusBadge(r.status)),
          el("td", {}, r.document_id ? docLink(r.document_id, r.key) : r.key || "–"),
          el("td", {}, when(r.started)),
          el("td", { class: "number" }, seconds(r.duration_s)))),
        { id: "executions" }));
}

function uploadForm() {
  const input = el("input", { type: "file", id: "upload-file", multiple: "", "aria-label": "files to run" });
  const state = el("span", { id: "upload-status" });
  const send = async () => {
    if (!input.files.length) return;
    const jobs = [];
    for (const file of input.files) {
      jobs.push(await post("uploads", file, { "X-Filename": encodeURIComponent(file.name) }));
    }
    state.textContent = "running " + jobs.map((j) => j.what.join(", ")).join(", ") + " …";
    for (const job of jobs) await waitFor(job.id, state);
    // The new executions, unfiltered (a filter could hide them).
    if (location.hash === "#/" || location.hash === "") await route();
    else location.hash = "#/";
    document.getElementById("upload-status").textContent = state.textContent;
  };
  return el("span", { class: "upload" }, input, el("button", { id: "upload-button", onclick: send }, "Run"), state);
}

async function waitFor(jobId, state) {
  for (;;) {
    const job = await api("jobs/" + jobId);
    if (job.status === "done" || job.status === "failed") {
      state.textContent = job.status === "failed"
        ? "job " + job.id + " failed: " + job.error
        : "job " + job.id + " done: " + job.results.map((r) => r.status).join(", ");
      return job;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

// -- an execution ---------------------------------------------------------------------------

async function showExecution(name) {
  const data = await api("executions/" + encodeURIComponent(name));
  const trace = data.trace;
  const panel = el("section", { id: "step-panel", class: "panel" },
    el("p", { class: "hint" }, "Choose a step in the graph or the timeline to see its input and output."));
  const showStep = (index) => {
    const state = trace.states[index];
    view.querySelectorAll("tr.step").forEach((row) => row.classList.toggle("chosen", row.dataset.index === String(index)));
    panel.replaceChildren(
      el("h3", {}, state.name, " ", statusBadge(state.status)),
      el("p", { class: "error" }, state.error ? state.error + (state.cause ? ": " + state.cause : "") : ""),
      el("h4", {}, "Input"), el("pre", { class: "step-input" }, pretty(state.input)),
      el("h4", {}, "Output"), el("pre", { class: "step-output" }, pretty(state.output)));
  };
  const graph = el("div", { id: "graph", class: "graph" });
  graph.innerHTML = data.graph;
  graph.querySelectorAll("g.state").forEach((node) => {
    node.addEventListener("click", () => {
      const index = trace.states.findIndex((s) => s.name === node.dataset.name);
      if (index >= 0) showStep(index);
    });
  });
  const steps = trace.states.map((s, index) => el("tr", {
    class: "step " + (s.status === "failed" || (s.status === "caught" && s.error) ? "failed" : ""), "data-index": index, "data-name": s.name,
    onclick: () => showStep(index),
  },
  el("td", {}, s.map ? "  ↳ " + s.name + " [" + s.iteration + "]" : s.name),
  el("td", {}, statusBadge(s.status)),
  el("td", {}, when(s.started)),
  el("td", { class: "number" }, seconds(s.duration_s)),
  el("td", {}, s.attempts.length > 1
    ? el("ol", { class: "attempts" }, s.attempts.map((a) => el("li", {},
      a.error ? a.error + (a.backoff_s ? " (retry in " + a.backoff_s + " s)" : "") : "succeeded")))
    : s.iterations ? Object.entries(s.iterations).map(([k, v]) => k + " " + v).join(", ") : "")));
  // The step to blame: the one whose error was caught (the Fail state only repeats it).
  const failed = trace.states.find((s) => s.status === "caught" && s.error) || trace.states.find((s) => s.status === "failed");
  show(
    el("p", {}, link("#/", "← Executions")),
    el("h1", { id: "execution-name" }, trace.name),
    el("p", { class: "facts" }, statusBadge(trace.status), " started ", when(trace.started),
      ", ", seconds(trace.duration_s),
      data.document.document_id ? [", document ", docLink(data.document.document_id, data.document.key)] : ""),
    trace.error ? el("p", { class: "error", id: "execution-error" },
      (failed ? failed.name + ": " : "") + trace.error + (trace.cause ? ": " + trace.cause : "")) : null,
    el("div", { class: "columns" },
      el("section", {}, el("h2", {}, "Graph"), graph),
      panel),
    el("h2", {}, "Timeline"),
    table(["State", "Status", "Started", "Duration", "Attempts"], steps, { id: "timeline" }),
    el("h2", {}, "Event history (", String(data.history_events), " events)"),
    el("div", { id: "history" }));
  await showHistory(name, 1);
}

function pretty(text) {
  if (text === null || text === undefined) return "–";
  try { return JSON.stringify(JSON.parse(text), null, 2); } catch { return text; }
}

async function showHistory(name, page) {
  const data = await api("executions/" + encodeURIComponent(name) + "/history?page=" + page);
  const box = document.getElementById("history");
  box.replaceChildren(
    table(["ID", "Type", "Step", "Time", "Error"], data.events.map((e) => el("tr", { class: "event", title: e.details },
      el("td", { class: "number" }, e.id), el("td", {}, e.type), el("td", {}, e.step || ""),
      el("td", {}, when(e.timestamp)), el("td", {}, e.error || "")))),
    el("div", { class: "pager" },
      el("button", { id: "history-previous", disabled: page > 1 ? null : "", onclick: () => showHistory(name, page - 1) }, "← Previous"),
      el("span", { id: "history-page" }, " page " + page + " "),
      el("button", { id: "history-next", disabled: data.more ? null : "", onclick: () => showHistory(name, page + 1) }, "Next →")));
}

// -- a document -----------------------------------------------------------------------------

async function showDocument(id) {
  const d = await api("documents/" + encodeURIComponent(id));
  const record = d.record;
  const pageRef = (range) => {
    const [first, last] = range || [];
    if (!first) return "";
    const text = first === last || !last ? "p. " + first : "pp. " + first + "–" + last;
    return link("#/document/" + encodeURIComponent(id) + "?page=" + first, text);
  };
  const usage = d.usage || {};
  const cost = d.cost || {};
  show(
    el("p", {}, link("#/", "← Executions")),
    el("h1", { id: "document-key" }, record.object_key || id),
    el("p", { class: "facts" }, statusBadge(record.status), " ", d.media_type || "", d.extractor ? " via " + d.extractor : "",
      d.language ? ", " + d.language : "", d.ocr_pages.length ? ", OCR on pages " + d.ocr_pages.join(", ") : "",
      record.replays ? ", replayed " + record.replays + "×" : ""),
    d.error ? el("p", { class: "error", id: "document-error" }, d.error.type + ": " + d.error.message) : null,
    el("section", { id: "classification", class: "card" },
      el("h2", {}, "Category"),
      el("p", {}, el("b", { id: "category" }, d.category || "–"),
        d.confidence !== null && d.confidence !== undefined ? el("span", { id: "confidence" }, " confidence " + Number(d.confidence).toFixed(2)) : "",
        d.review_required ? el("span", { class: "status review" }, "review required") : ""),
      el("div", { class: "scores" }, Object.entries(d.scores).sort((a, b) => b[1] - a[1]).map(([label, score]) =>
        el("div", { class: "score" }, el("span", {}, label), el("span", { class: "bar", style: "width:" + Math.round(score * 200) + "px" }), el("span", {}, score.toFixed(3)))))),
    el("section", { id: "summary", class: "card" },
      el("h2", {}, "Summary"),
      el("p", {}, d.summary || "–"),
      el("ul", { id: "key-points" }, d.key_points.map((p) => el("li", {}, p.text, " ", pageRef(p.pages))))),
    el("section", { id: "usage", class: "card" },
      el("h2", {}, "Tokens and cost"),
      el("p", {}, "model ", d.model || cost.model || "–", ", ", String(usage.calls ?? "–"), " calls, ",
        String(usage.input_tokens ?? "–"), " input and ", String(usage.output_tokens ?? "–"), " output tokens, ",
        el("b", { id: "cost" }, cost.usd !== undefined ? "$" + Number(cost.usd).toFixed(6) : "–"))),
    el("h2", {}, "Pages (", String(d.pages.length), ")"),
    el("div", { id: "pages" }, d.pages.map((p) => el("details", { id: "page-" + p.number, class: "page" },
      el("summary", {}, "page " + p.number), el("pre", {}, p.text)))),
    el("h2", {}, "Chunks (", String(d.chunks.length), ")"),
    el("div", { id: "chunks" }, d.chunks.map((c) => el("details", { class: "chunk" },
      el("summary", {}, "chunk " + c.index + " · ", pageRef(c.pages), " · " + (c.tokens ?? "?") + " tokens"), el("pre", {}, c.text)))),
    el("h2", {}, "Partial summaries (", String(d.partial_summaries.length), ")"),
    el("div", { id: "partials" }, d.partial_summaries.map((p) => el("details", { class: "partial" },
      el("summary", {}, "chunk " + p.index), el("p", {}, p.text)))),
    el("h2", {}, "Executions"),
    table(["Name", "Status", "Started"], d.executions.map((r) => el("tr", {},
      el("td", {}, execLink(r.name)), el("td", {}, statusBadge(r.status)), el("td", {}, when(r.started))))));
  const wanted = new URLSearchParams(location.hash.split("?")[1] || "").get("page");
  const target = wanted && document.getElementById("page-" + wanted);
  if (target) { target.open = true; target.scrollIntoView(); }
}

// -- dead letters ---------------------------------------------------------------------------

async function showDeadLetters() {
  const letters = await api("dead-letters");
  const state = el("span", { id: "replay-status" });
  const replay = async (body) => {
    const job = await post("dead-letters/replay", JSON.stringify(body), { "Content-Type": "application/json" });
    state.textContent = "replaying " + job.what.length + " …";
    const done = await waitFor(job.id, state);
    await showDeadLetters();
    document.getElementById("replay-status").textContent = state.textContent;
    return done;
  };
  show(
    el("h1", {}, "Dead letters"),
    el("div", { class: "toolbar" },
      el("button", { id: "replay-all", disabled: letters.length ? null : "", onclick: () => replay({ all: true }) }, "Replay all"), state),
    letters.length === 0
      ? el("p", { id: "no-dead-letters" }, "No dead letters.")
      : table(["ID", "Kind", "Error", "Document", "Execution", ""], letters.map((l) => el("tr", { class: "dead-letter", "data-id": l.id },
        el("td", {}, el("details", {}, el("summary", {}, l.id), el("pre", {}, JSON.stringify(l.body, null, 2)))),
        el("td", {}, l.kind), el("td", { class: "error" }, l.error), el("td", {}, l.key || "–"),
        el("td", {}, l.execution_arn ? execLink(l.execution_arn.split(":").pop()) : "–"),
        el("td", {}, el("button", { class: "replay", onclick: () => replay({ ids: [l.id] }) }, "Replay")))),
      { id: "dead-letters" }));
}

// -- the workflow ---------------------------------------------------------------------------

async function showWorkflow() {
  const data = await api("graph");
  const graph = el("div", { id: "graph", class: "graph" });
  graph.innerHTML = data.graph;
  show(el("h1", {}, "Workflow"), graph);
}

// -- gauges and routing ---------------------------------------------------------------------

async function refreshGauges() {
  try {
    const g = await api("gauges");
    document.getElementById("gauge-intake").textContent = g.intake_depth;
    document.getElementById("gauge-running").textContent = g.running + " / " + g.cap;
    document.getElementById("gauge-dead-letters").textContent = g.dead_letters;
    document.getElementById("gauge-job").textContent = g.job_running ? "working…" : g.jobs_waiting ? g.jobs_waiting + " waiting" : "";
  } catch { /* the console may be stopping */ }
}

async function route() {
  const [path, query] = location.hash.slice(1).split("?");
  const params = new URLSearchParams(query || "");
  const parts = (path || "/").split("/").filter(Boolean);
  try {
    if (parts[0] === "execution" && parts[1]) await showExecution(decodeURIComponent(parts[1]));
    else if (parts[0] === "document" && parts[1]) await showDocument(decodeURIComponent(parts[1]));
    else if (parts[0] === "dead-letters") await showDeadLetters();
    else if (parts[0] === "workflow") await showWorkflow();
    else await showExecutions(params);
    document.body.dataset.ready = location.hash || "#/";
  } catch (error) {
    failure(error);
    document.body.dataset.ready = "error";
  }
}

window.addEventListener("hashchange", () => { delete document.body.dataset.ready; route(); });
route();
refreshGauges();
setInterval(refreshGauges, 2000);
