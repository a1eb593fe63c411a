// The BPTT explorer: the assignment's worked example preloaded, every input editable (or a
// spec JSON), the network unrolled through time with its forward values, each gradient as its
// sum of paths (pointing at a term lights its path in the drawing) and the symbolic form.
import { $, api, escapeHtml, loadState, saveState, showError, watch } from "/static/util.js";

const FIELDS = { wh: "bptt-wh", wx: "bptt-wx", wy: "bptt-wy", h0: "bptt-h0", x: "bptt-x",
  y: "bptt-y", act: "bptt-activation", loss: "bptt-loss", spec: "bptt-spec" };
const FACTORS = ["dJ_t/dy_hat_t", "dy_hat_t/dh_t", "dh_t/dh_k", "dh_k/dW (h_{k-1} held)"];
const OUTPUT_FACTORS = { W_y: ["dJ_t/dy_hat_t", "dy_hat_t/dW_y = h_t"],
  b_y: ["dJ_t/dy_hat_t", "dy_hat_t/db_y = 1"] };
let solved = null;

export function init() {
  $("bptt-go").addEventListener("click", run);
  const grads = $("bptt-grads");
  const light = (e) => highlight(e.target.closest(".term")); // off a term: nothing lit
  grads.addEventListener("mouseover", light);
  grads.addEventListener("focusin", light);
  grads.addEventListener("mouseleave", () => highlight(null));
  grads.addEventListener("focusout", () => highlight(null));
  watch("bptt", FIELDS);
}

export function show(params) {
  loadState(FIELDS, params);
  if ($("bptt-spec").value.trim()) $("bptt-spec-box").open = true;
  saveState("bptt", FIELDS);
  run(); // cheap: the drawing always shows the inputs in the address
}

function numbers(id) {
  const text = $(id).value.trim();
  const values = text.split(/[\s,]+/).filter(Boolean).map(Number);
  if (!values.length || values.some((v) => !Number.isFinite(v))) {
    throw new Error(`${id.replace("bptt-", "")}: "${text}" is not a list of numbers`);
  }
  return values;
}

function request() {
  const spec = $("bptt-spec").value.trim();
  if (spec) {
    try {
      return { spec: JSON.parse(spec) };
    } catch (e) {
      throw new Error(`the spec is not valid JSON: ${e.message}`);
    }
  }
  const one = (id) => {
    const [v, ...rest] = numbers(id);
    if (rest.length) throw new Error(`${id.replace("bptt-", "")} takes one number`);
    return v;
  };
  return { wh: one("bptt-wh"), wx: one("bptt-wx"), wy: one("bptt-wy"), h0: one("bptt-h0"),
    x: numbers("bptt-x"), y: numbers("bptt-y"), activation: $("bptt-activation").value,
    loss: $("bptt-loss").value };
}

async function run() {
  showError("bptt-error", null);
  try {
    solved = await api("/api/bptt", request());
  } catch (e) {
    return showError("bptt-error", e);
  }
  const s = solved;
  $("bptt-network").textContent = s.network.join("\n");
  $("bptt-drawing").innerHTML = drawing(s);
  table(s.forward);
  $("bptt-loss-line").textContent = `L = ${s.numbers.loss}`;
  grads(s);
  symbolic(s.symbolic);
}

function short(v) {
  const text = Array.isArray(v) ? JSON.stringify(v) : String(v);
  return text.length > 16 ? `${text.slice(0, 14)}…` : text;
}

function node(id, x, y, label, value) {
  return `<g id="${id}" class="node"><title>${escapeHtml(label)} = ${escapeHtml(value)}</title>
    <rect x="${x - 44}" y="${y - 20}" width="88" height="40" rx="8"/>
    <text x="${x}" y="${y - 4}" text-anchor="middle" class="name">${escapeHtml(label)}</text>
    <text x="${x}" y="${y + 12}" text-anchor="middle" class="value">${escapeHtml(short(value))}</text></g>`;
}

function edge(id, x1, y1, x2, y2, label) {
  const mx = (x1 + x2) / 2, my = (y1 + y2) / 2, flat = y1 === y2;
  const at = flat ? `x="${mx}" y="${my - 7}" text-anchor="middle"` : `x="${mx + 6}" y="${my + 4}"`;
  return `<g id="${id}" class="edge"><line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}"/>
    <text ${at} class="weight">${escapeHtml(label)}</text></g>`;
}

// Rows from the top: J_t, y_hat_t, h_t, x_t; one column per step, h_0 in column 0.
function drawing(s) {
  const T = s.steps, st = s.state, rows = s.forward.rows;
  const X = (t) => 60 + t * 130, Y = { J: 30, y: 100, h: 190, x: 280 };
  const parts = [`<svg viewBox="0 0 ${X(T) + 70} 310" class="unrolled">`];
  const rec = s.cell === "rnn" ? "W_h" : "W_h*";
  const inp = s.cell === "rnn" ? "W_x" : "W_x*";
  for (let t = 1; t <= T; t++) {
    parts.push(edge(`edge-hh-${t}`, X(t - 1) + 44, Y.h, X(t) - 44, Y.h, rec),
      edge(`edge-xh-${t}`, X(t), Y.x - 20, X(t), Y.h + 20, inp),
      edge(`edge-hy-${t}`, X(t), Y.h - 20, X(t), Y.y + 20, "W_y"),
      edge(`edge-yJ-${t}`, X(t), Y.y - 20, X(t), Y.J + 20, ""));
  }
  parts.push(node(`node-h-0`, X(0), Y.h, `${st}_0`, rows[0][2]));
  const hat = s.forward.header.indexOf("y_hat_t");
  for (let t = 1; t <= T; t++) {
    const r = rows[t];
    parts.push(node(`node-x-${t}`, X(t), Y.x, `x_${t}`, r[1]),
      node(`node-h-${t}`, X(t), Y.h, `${st}_${t}`, r[2]),
      node(`node-y-${t}`, X(t), Y.y, `y_hat_${t}`, r[hat]),
      node(`node-J-${t}`, X(t), Y.J, `J_${t}`, r[r.length - 1]));
  }
  parts.push("</svg>");
  return parts.join("");
}

function table(forward) {
  const t = $("bptt-forward");
  t.replaceChildren();
  t.createTHead().insertRow().append(...forward.header.map((h) => {
    const th = document.createElement("th");
    th.textContent = h;
    return th;
  }));
  const body = t.createTBody();
  for (const row of forward.rows) {
    const tr = body.insertRow();
    for (const v of row) tr.insertCell().textContent = v;
  }
}

function grads(s) {
  const blocks = [];
  const all = [...Object.entries(s.paths.params).map(([n, g]) => [n, g, false]),
    ...Object.entries(s.paths.states).map(([n, g]) => [n, g, true])];
  for (const [name, g, state] of all) {
    const items = g.terms.map((term) => {
      const labels = (!state && OUTPUT_FACTORS[name]) || FACTORS;
      const prod = term.factors.length
        ? term.factors.map((f, i) => `<span title="${labels[i]}">(${f})</span>`).join(" · ") + " = "
        : "";
      return `<li class="term" tabindex="0" data-name="${escapeHtml(name)}" data-state="${state}"
        data-t="${term.t}" data-k="${term.k}">t=${term.t}, k=${term.k}: ${prod}<b>${escapeHtml(term.value)}</b></li>`;
    }).join("");
    const id = escapeHtml(`bptt-total-${name}`);
    blocks.push(`<div class="grad"><h4>dL/d${escapeHtml(name)} = <span id="${id}"
      class="total">${escapeHtml(g.total)}</span></h4><ol>${items}</ol></div>`);
  }
  const head = s.scalar && s.cell === "rnn"
    ? "<p class=\"hint\">Each term is dJ_t/dy_hat_t · dy_hat_t/dh_t · dh_t/dh_k (· dh_k/dW): point at one.</p>"
    : "<p class=\"hint\">Each term is the part of dJ_t that flows through step k: point at one.</p>";
  $("bptt-grads").innerHTML = `<h3>Gradients as sums of paths</h3>${head}${blocks.join("")}`;
}

function pathIds(name, state, t, k) {
  const ids = [`node-J-${t}`, `edge-yJ-${t}`, `node-y-${t}`];
  if (!state && name === "b_y") return ids; // the bias adds to y_hat_t directly
  ids.push(`edge-hy-${t}`);
  if (!state && name === "W_y") return [...ids, `node-h-${t}`];
  for (let j = k; j <= t; j++) ids.push(`node-h-${j}`);
  for (let j = k + 1; j <= t; j++) ids.push(`edge-hh-${j}`);
  if (state) return ids;
  if (name.startsWith("W_h")) ids.push(`edge-hh-${k}`, `node-h-${k - 1}`);
  else if (name.startsWith("W_x")) ids.push(`edge-xh-${k}`, `node-x-${k}`);
  return ids;
}

function highlight(term) {
  for (const el of document.querySelectorAll("#bptt-drawing .lit, #bptt-grads .active")) {
    el.classList.remove("lit", "active");
  }
  if (!term) return;
  term.classList.add("active");
  const d = term.dataset;
  for (const id of pathIds(d.name, d.state === "true", +d.t, +d.k)) {
    const el = document.getElementById(id);
    if (el) el.classList.add("lit");
  }
}

function symbolic(sym) {
  const box = $("bptt-symbolic");
  if (sym.reason) {
    box.innerHTML = `<h3>Symbolic form</h3><p class="hint">${escapeHtml(sym.reason)}.</p>`;
    return;
  }
  const lines = [...Object.entries(sym.equations).map(([n, e]) => `${n} = ${e}`),
    `L = ${sym.loss}`, ""];
  for (const [name, g] of Object.entries(sym.grads)) {
    lines.push(`dL/d${name} = ${g.text}`, `     = ${g.inputs}`, `     = ${g.value}`, "");
  }
  box.innerHTML = `<h3>Symbolic form (sympy)</h3><pre id="bptt-symbolic-text">${escapeHtml(lines.join("\n"))}</pre>`;
}
