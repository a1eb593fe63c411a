// Decipher: a run from the runs folder, text pasted or dropped, the output coloured by each
// character's confidence, and the warning when the text looks unlike the training data.
import { $, api, fillSelect, loadState, saveState, showError, watch } from "/static/util.js";

const FIELDS = { run: "dec-run", text: "dec-text", threshold: "dec-threshold" };

export function init() {
  $("dec-go").addEventListener("click", run);
  $("dec-refresh").addEventListener("click", () => listRuns());
  $("dec-file").addEventListener("change", (e) => readFile(e.target.files[0]));
  const box = $("dec-text");
  box.addEventListener("dragover", (e) => { e.preventDefault(); box.classList.add("drop"); });
  box.addEventListener("dragleave", () => box.classList.remove("drop"));
  box.addEventListener("drop", (e) => {
    e.preventDefault();
    box.classList.remove("drop");
    if (e.dataTransfer.files.length) readFile(e.dataTransfer.files[0]);
  });
  watch("decipher", FIELDS);
}

export async function show(params) {
  const wanted = params.get("run") || $("dec-run").value;
  await listRuns(wanted);
  if (loadState(FIELDS, params) && $("dec-text").value && $("dec-run").value) run();
  else saveState("decipher", FIELDS);
}

async function listRuns(wanted) {
  try {
    const data = await api("/api/runs");
    const runs = data.runs.filter((r) => r.kind === "decipher");
    fillSelect("dec-run", runs.map((r) => [r.name, describe(r)]), wanted || undefined);
    $("dec-runs-note").textContent = runs.length
      ? `${runs.length} run(s) in ${data.folder}`
      : `no runs in ${data.folder} yet: train one on the Train page, or run rnnlab demo`;
  } catch (e) {
    showError("dec-error", e);
  }
}

function describe(r) {
  const key = r.key ? ` ${r.key}` : "";
  return `${r.name} (${r.cipher || "pairs"}${key}, ${r.model})`;
}

function readFile(file) {
  if (!file) return;
  const reader = new FileReader();
  reader.onload = () => {
    $("dec-text").value = reader.result;
    saveState("decipher", FIELDS);
  };
  reader.onerror = () => showError("dec-error", `cannot read ${file.name}`);
  reader.readAsText(file);
}

async function run() {
  showError("dec-error", null);
  $("dec-go").disabled = true;
  try {
    const threshold = parseFloat($("dec-threshold").value);
    const r = await api("/api/decipher", { run: $("dec-run").value, text: $("dec-text").value,
      threshold: Number.isFinite(threshold) ? threshold : 0.9 });
    render(r, r.threshold);
  } catch (e) {
    showError("dec-error", e);
  } finally {
    $("dec-go").disabled = false;
  }
}

// One span per stretch of characters in the same confidence band.
// The server gives one confidence per code point; Array.from splits the text the same way.
function render(r, threshold) {
  const out = $("dec-out");
  const chars = Array.from(r.plaintext);
  const frag = document.createDocumentFragment();
  let start = 0;
  let low = 0;
  const band = (i) => {
    const c = r.confidence[i] ?? 1;
    return `c${Math.min(9, Math.floor(c * 10))}${c < threshold ? " unsure" : ""}`;
  };
  for (let i = 0; i < chars.length; i++) {
    if (r.confidence[i] < threshold && /\S/.test(chars[i])) low++;
    if (i + 1 === chars.length || band(i + 1) !== band(i)) {
      const span = document.createElement("span");
      span.className = band(i);
      span.textContent = chars.slice(start, i + 1).join("");
      if (span.className.includes("unsure")) span.title = `confidence ${r.confidence[i]}`;
      frag.append(span);
      start = i + 1;
    }
  }
  out.replaceChildren(frag);
  $("dec-stats").textContent = `${low} of ${chars.length} characters under confidence ` +
    `${Math.round(threshold * 100)}%; ${(r.unknown_share * 100).toFixed(1)}% of characters ` +
    "unknown to the model (passed through)";
  $("dec-note").hidden = !r.note;
  $("dec-note").textContent = r.note ? `Note: ${r.note}.` : "";
}
