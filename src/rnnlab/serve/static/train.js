// Train: a cipher and key on the built-in corpus or an uploaded text, a live loss and accuracy
// curve, cancel, and the run named at the end (saved in the runs folder after every epoch).
import { $, api, cancel, fillSelect, loadState, poll, runningJob, saveState, showError, watch }
  from "/static/util.js";
import { lineChart } from "/static/charts.js";

const FIELDS = { cipher: "train-cipher", key: "train-key", corpus: "train-corpus",
  epochs: "train-epochs", limit: "train-limit", name: "train-name" };
let job = null;
let corpusText = null;

export function init(info) {
  fillSelect("train-cipher", info.ciphers.map((c) => [c, c]), "caesar");
  $("train-go").addEventListener("click", run);
  $("train-cancel").addEventListener("click", () => job && cancel(job).catch(() => {}));
  $("train-corpus").addEventListener("change", () => {
    $("train-file").hidden = $("train-corpus").value !== "upload";
  });
  $("train-file").addEventListener("change", (e) => {
    const file = e.target.files[0];
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => { corpusText = reader.result; };
    reader.readAsText(file);
  });
  watch("train", FIELDS);
}

export async function show(params) {
  loadState(FIELDS, params); // a link fills the form; training starts only on a click
  $("train-file").hidden = $("train-corpus").value !== "upload";
  saveState("train", FIELDS);
  if (!job) {
    const running = await runningJob("train").catch(() => null);
    if (running) follow_job(running); // a training this page started before it was reloaded
  }
}

async function run() {
  showError("train-error", null);
  const upload = $("train-corpus").value === "upload";
  if (upload && !corpusText) return showError("train-error", "choose a text file for the corpus");
  const body = { cipher: $("train-cipher").value, key: $("train-key").value,
    time_limit: parseFloat($("train-limit").value) || 300, name: $("train-name").value };
  if ($("train-epochs").value) body.epochs = parseInt($("train-epochs").value, 10);
  if (upload) body.corpus = corpusText;
  try {
    await follow_job((await api("/api/train", body)).job);
  } catch (e) {
    showError("train-error", e);
  }
}

async function follow_job(id) {
  job = id;
  $("train-go").disabled = true;
  $("train-cancel").disabled = false;
  $("train-result").textContent = "";
  try {
    const end = await poll(job, follow, 500);
    if (end.result) done(end.result);
    if (end.state === "failed") showError("train-error", end.error);
  } catch (e) {
    showError("train-error", e);
  } finally {
    job = null;
    $("train-go").disabled = false;
    $("train-cancel").disabled = true;
  }
}

function follow(j) {
  $("train-progress").value = j.fraction;
  const what = j.live.describe ? `${j.live.describe}: ` : "";
  $("train-msg").textContent = `${what}${j.message} (${j.elapsed.toFixed(1)} s)`;
  const records = j.live.records || [];
  const loss = (j.live.losses || []);
  if (!loss.length && !records.length) return;
  const lossChart = lineChart({ title: "loss", xLabel: "epoch", yLabel: "cross-entropy",
    series: [{ points: loss, label: "training (per step)", cls: "s0" },
      { points: records.map((r) => [r.epoch, r.val_loss]), label: "validation", cls: "s1" }] });
  const accChart = lineChart({ title: "validation character accuracy", xLabel: "epoch",
    yLabel: "accuracy", yFormat: (v) => `${(v * 100).toFixed(0)}%`,
    series: [{ points: records.map((r) => [r.epoch, r.val_accuracy]), cls: "s1" }] });
  $("train-chart").innerHTML = lossChart + accChart;
  $("train-chart").dataset.records = records.length;
}

function done(r) {
  const acc = Number.isFinite(r.val_accuracy) ? `${(r.val_accuracy * 100).toFixed(2)}%` : "n/a";
  const el = $("train-result");
  el.replaceChildren(`Saved run ${r.run} (${r.stopped}, ${r.parameters.toLocaleString()} ` +
    `parameters, ${r.train_seconds} s of training, validation accuracy ${acc}). `);
  const link = document.createElement("a");
  link.href = `#/decipher?run=${encodeURIComponent(r.run)}`;
  link.textContent = "Decipher with it";
  link.id = "train-open";
  el.append(link);
}
