// What every page shares: requests to the server, the polling of long jobs, errors shown
// in the page, and the page's inputs kept in its address.
const URL_TEXT_LIMIT = 4000; // longer texts are left out of the address

export const $ = (id) => document.getElementById(id);

// POST (or GET without a body) to the server; throws an Error with the server's message.
export async function api(path, body) {
  const opts = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  let response;
  try {
    response = await fetch(path, opts);
  } catch (e) {
    throw new Error("the server cannot be reached; is rnnlab serve still running?");
  }
  let data;
  try {
    data = await response.json();
  } catch (e) {
    throw new Error(`the server answered ${response.status} without JSON`);
  }
  if (!response.ok) throw new Error(data.error || `error ${response.status}`);
  return data;
}

// Follow job `id` until it ends, calling onUpdate(job) at each look; resolves with the last.
// A look that fails is tried again a few times before the error is given up to the page.
export async function poll(id, onUpdate, every = 300) {
  let failures = 0;
  for (;;) {
    let job;
    try {
      job = await api(`/api/jobs/${id}`);
      failures = 0;
    } catch (e) {
      if (++failures > 5) throw e;
      await new Promise((r) => setTimeout(r, every * 2 ** failures));
      continue;
    }
    onUpdate(job);
    if (job.state !== "running") return job;
    await new Promise((r) => setTimeout(r, every));
  }
}

// The id of a running job of `kind` on the server (one a reloaded page started), or null.
export async function runningJob(kind) {
  const { jobs } = await api("/api/jobs");
  const job = jobs.find((j) => j.kind === kind);
  return job ? job.id : null;
}

export function cancel(id) {
  return api(`/api/jobs/${id}/cancel`, {});
}

export function showError(id, error) {
  const el = $(id);
  el.textContent = error ? String(error.message || error) : "";
  el.hidden = !error;
}

export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
  }[c]));
}

export function fillSelect(id, options, selected) {
  const el = $(id);
  el.replaceChildren(...options.map(([value, label]) => {
    const o = document.createElement("option");
    o.value = value;
    o.textContent = label;
    return o;
  }));
  if (selected !== undefined && options.some(([v]) => v === selected)) el.value = selected;
}

function initial(el) {
  if (el.tagName !== "SELECT") return el.defaultValue;
  const chosen = [...el.options].find((o) => o.defaultSelected) || el.options[0];
  return chosen ? chosen.value : "";
}

// The page's inputs as they stand, written into the address without a new history entry:
// every one that differs from the page's default, an emptied one included.
export function saveState(page, fields) {
  const params = new URLSearchParams();
  for (const [key, id] of Object.entries(fields)) {
    const el = $(id);
    const differs = el.value !== initial(el) || "always" in el.dataset; // data-always: a list
    if (differs && el.value.length <= URL_TEXT_LIMIT) params.set(key, el.value); // that changes
  }
  const hash = `#/${page}` + (params.toString() ? `?${params}` : "");
  if (location.hash !== hash) history.replaceState(null, "", hash);
}

// Fill the inputs from the address, the ones it leaves out with their defaults; true when the
// address held any of them.
export function loadState(fields, params) {
  let any = false;
  for (const [key, id] of Object.entries(fields)) {
    const el = $(id);
    if (!params.has(key)) {
      if (params.toString()) el.value = initial(el);
      continue;
    }
    if (el.tagName === "SELECT" && ![...el.options].some((o) => o.value === params.get(key))) {
      const o = document.createElement("option"); // a run not (yet) listed: keep what was asked
      o.value = o.textContent = params.get(key);
      el.append(o);
    }
    el.value = params.get(key);
    any = true;
  }
  return any;
}

export function watch(page, fields) {
  for (const id of Object.values(fields)) {
    $(id).addEventListener("input", () => saveState(page, fields));
    $(id).addEventListener("change", () => saveState(page, fields));
  }
}
