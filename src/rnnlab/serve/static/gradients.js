// Gradients: the vanishing-gradient experiment's quick path for one cell, hidden size and
// initialisation, drawn as log10 ||dh_t/dh_0|| against t with the spread over the draws.
import { $, api, cancel, fillSelect, loadState, poll, saveState, showError, watch }
  from "/static/util.js";
import { lineChart } from "/static/charts.js";

const FIELDS = { cell: "grad-cell", hidden: "grad-hidden", init: "grad-init",
  steps: "grad-steps", seeds: "grad-seeds" };
let job = null;

export function init(info) {
  fillSelect("grad-cell", Object.entries(info.cells), "rnn");
  fillSelect("grad-init", Object.entries(info.inits), "normal");
  $("grad-go").addEventListener("click", run);
  $("grad-cancel").addEventListener("click", () => job && cancel(job).catch(() => {}));
  watch("gradients", FIELDS);
}

export function show(params) {
  if (loadState(FIELDS, params) && !job) run();
  else saveState("gradients", FIELDS);
}

async function run() {
  showError("grad-error", null);
  const int = (id) => parseInt($(id).value, 10);
  const body = { cell: $("grad-cell").value, init: $("grad-init").value,
    hidden: int("grad-hidden"), steps: int("grad-steps"), seeds: int("grad-seeds") };
  $("grad-go").disabled = true;
  try {
    job = (await api("/api/gradients", body)).job;
    $("grad-cancel").disabled = false;
    const end = await poll(job, (j) => {
      $("grad-progress").value = j.fraction;
      $("grad-msg").textContent = j.message;
    }, 200);
    if (end.state === "done") render(end.result);
    else showError("grad-error", end.error || end.state);
  } catch (e) {
    showError("grad-error", e);
  } finally {
    job = null;
    $("grad-go").disabled = false;
    $("grad-cancel").disabled = true;
  }
}

function render(r) {
  const pts = (ys) => ys.map((y, i) => [r.t[i], y]);
  const [vanish, explode] = r.limits.map(Math.log10);
  $("grad-chart").innerHTML = lineChart({
    title: `${r.label}, ${r.hidden} units, W_hh ${r.init_label}`,
    xLabel: "t", yLabel: "log10 ||dh_t/dh_0||",
    series: [{ points: pts(r.median), label: `median of ${r.seeds} draws`, cls: "s0" }],
    band: { low: pts(r.low), high: pts(r.high), cls: "s0" },
    hlines: [{ y: vanish, label: "vanished" }, { y: explode, label: "exploded" }],
  });
  const last = r.median[r.median.length - 1];
  $("grad-verdict").textContent = `At t = ${r.steps}, the median ||dh_t/dh_0|| is ` +
    `10^${last.toFixed(1)}: it ${r.fate}.`;
}
