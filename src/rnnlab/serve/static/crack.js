// Crack: a ciphertext, a family (or auto), a crib and a time limit; live progress while the
// search runs; the plaintext with the letters the text cannot settle marked, and the candidates.
import { $, api, cancel, fillSelect, loadState, poll, saveState, showError, watch }
  from "/static/util.js";

const FIELDS = { text: "crack-text", cipher: "crack-cipher", crib: "crack-crib",
  limit: "crack-limit", n: "crack-n" };
let job = null;

export function init(info) {
  fillSelect("crack-cipher", info.families.map((f) => [f, f]), "auto");
  $("crack-go").addEventListener("click", run);
  $("crack-cancel").addEventListener("click", () => job && cancel(job).catch(() => {}));
  watch("crack", FIELDS);
}

export function show(params) {
  if (loadState(FIELDS, params) && $("crack-text").value.trim() && !job) run();
  else saveState("crack", FIELDS);
}

async function run() {
  showError("crack-error", null);
  const body = { text: $("crack-text").value, cipher: $("crack-cipher").value,
    crib: $("crack-crib").value, time_limit: parseFloat($("crack-limit").value) || 10,
    candidates: parseInt($("crack-n").value, 10) || 5 };
  $("crack-go").disabled = true;
  try {
    job = (await api("/api/crack", body)).job;
    $("crack-cancel").disabled = false;
    const end = await poll(job, (j) => {
      $("crack-progress").value = j.fraction;
      $("crack-msg").textContent = `${j.message} (${j.elapsed.toFixed(1)} s)`;
    });
    if (end.state === "done" && end.result) render(end.result);
    else showError("crack-error", end.error || end.state);
  } catch (e) {
    showError("crack-error", e);
  } finally {
    job = null;
    $("crack-go").disabled = false;
    $("crack-cancel").disabled = true;
  }
}

function render(r) {
  const unsettled = new Map(r.ambiguous.map((pair) => [pair[0], pair.slice(2)]));
  const out = $("crack-out");
  out.replaceChildren(...[...r.plaintext].map((ch) => {
    const other = unsettled.get(ch.toLowerCase());
    if (!other) return document.createTextNode(ch);
    const mark = document.createElement("mark");
    mark.className = "ambiguous";
    mark.title = `${ch} or ${other}: the text cannot settle it`;
    mark.textContent = ch;
    return mark;
  }));
  const rows = [["cipher", r.cipher], ["key", r.key], ["confidence", r.confidence.toFixed(4)],
    ["unsettled letters", r.ambiguous.length ? r.ambiguous.join(", ") : "none"],
    ["search", `${r.elapsed} s, ${r.evaluations.toLocaleString()} keys scored; the letter ` +
      `statistics pointed to ${r.detected}`]];
  $("crack-summary").replaceChildren(...rows.flatMap(([k, v]) => {
    const dt = document.createElement("dt");
    const dd = document.createElement("dd");
    dt.textContent = k;
    dd.textContent = v;
    dd.id = `crack-found-${k.split(" ")[0]}`;
    return [dt, dd];
  }));
  const head = ["#", "score", "confidence", "cipher", "key", "plaintext"];
  const table = $("crack-cands");
  table.replaceChildren();
  table.createTHead().insertRow().append(...head.map((h) => {
    const th = document.createElement("th");
    th.textContent = h;
    return th;
  }));
  const body = table.createTBody();
  r.candidates.forEach((c, i) => {
    const line = c.plaintext.split(/\s+/).join(" ");
    const cells = [i + 1, c.score.toFixed(1), c.confidence.toFixed(4), c.cipher, c.key,
      line.length > 80 ? `${line.slice(0, 77)}...` : line];
    const row = body.insertRow();
    for (const v of cells) row.insertCell().textContent = v;
  });
}
