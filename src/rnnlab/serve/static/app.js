// The page's frame: routing between the five pages by the address (#/page?inputs); each page
// lives in its own module, the helpers they share in util.js.
import * as decipher from "/static/decipher.js";
import * as crack from "/static/crack.js";
import * as train from "/static/train.js";
import * as bptt from "/static/bptt.js";
import * as gradients from "/static/gradients.js";

import { $, api } from "/static/util.js";

const PAGES = { decipher, crack, train, bptt, gradients };

function parseHash() {
  const m = location.hash.match(/^#\/([a-z]+)(?:\?(.*))?$/);
  const page = m && PAGES[m[1]] ? m[1] : "decipher";
  return { page, params: new URLSearchParams(m ? m[2] || "" : "") };
}

function route() {
  const { page, params } = parseHash();
  for (const name of Object.keys(PAGES)) {
    $(`page-${name}`).hidden = name !== page;
  }
  for (const a of document.querySelectorAll("nav a")) {
    a.classList.toggle("active", a.dataset.page === page);
  }
  PAGES[page].show(params);
  document.title = `rnnlab: ${page}`;
}

async function start() {
  let info;
  try {
    info = await api("/api/info");
  } catch (e) {
    document.body.prepend(Object.assign(document.createElement("p"),
      { className: "error", textContent: e.message }));
    return;
  }
  for (const page of Object.values(PAGES)) page.init(info);
  window.addEventListener("hashchange", route);
  route();
  document.body.dataset.ready = "1"; // for tests: the page is wired up
}

start();
