// Line charts drawn as SVG markup (no library): series of [x, y] points, an optional band
// between two curves, horizontal guide lines, axes with a few round ticks.
import { escapeHtml } from "/static/util.js";

const W = 560, H = 310, M = { left: 58, right: 16, top: 44, bottom: 44 };

function ticks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const step = [1, 2, 5, 10].map((m) => m * 10 ** Math.floor(Math.log10(raw)))
    .find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toFixed(10));
  return out;
}

function extent(values, pad = 0) {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return [0, 1];
  let lo = Math.min(...finite), hi = Math.max(...finite);
  if (lo === hi) { lo -= 0.5; hi += 0.5; }
  const d = (hi - lo) * pad;
  return [lo - d, hi + d];
}

// opts: {title, xLabel, yLabel, series: [{points, cls, label}], band: {low, high, cls},
//        hlines: [{y, label}], yRange: [lo, hi], yFormat: (v) => string}
export function lineChart(opts) {
  const all = opts.series.flatMap((s) => s.points);
  const band = opts.band ? [...opts.band.low, ...opts.band.high] : [];
  const xs = [...all, ...band].map((p) => p[0]);
  const ys = [...all, ...band].map((p) => p[1]).concat((opts.hlines || []).map((h) => h.y));
  const [x0, x1] = extent(xs);
  const [y0, y1] = opts.yRange || extent(ys, 0.05);
  const sx = (x) => M.left + ((x - x0) / (x1 - x0 || 1)) * (W - M.left - M.right);
  const sy = (y) => H - M.bottom - ((y - y0) / (y1 - y0 || 1)) * (H - M.top - M.bottom);
  const path = (pts) => pts.filter((p) => Number.isFinite(p[1]))
    .map((p, i) => `${i ? "L" : "M"}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join("");
  const fmt = opts.yFormat || ((v) => String(v));
  const parts = [`<svg viewBox="0 0 ${W} ${H}" class="chart-svg" role="img"
    aria-label="${escapeHtml(opts.title)}">`,
    `<text x="${M.left}" y="16" class="chart-title">${escapeHtml(opts.title)}</text>`];
  for (const v of ticks(y0, y1)) {
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${sy(v)}" y2="${sy(v)}" class="grid"/>`,
      `<text x="${M.left - 6}" y="${sy(v) + 4}" class="tick" text-anchor="end">${escapeHtml(fmt(v))}</text>`);
  }
  for (const v of ticks(x0, x1)) {
    parts.push(`<text x="${sx(v)}" y="${H - M.bottom + 16}" class="tick" text-anchor="middle">${v}</text>`);
  }
  if (opts.band) {
    const { low, high } = opts.band;
    const d = path(low) + path([...high].reverse()).replace(/^M/, "L") + "Z";
    parts.push(`<path d="${d}" class="band ${escapeHtml(opts.band.cls || "")}"/>`);
  }
  for (const h of opts.hlines || []) {
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${sy(h.y)}" y2="${sy(h.y)}" class="guide"/>`,
      `<text x="${W - M.right - 4}" y="${sy(h.y) - 4}" class="tick" text-anchor="end">${escapeHtml(h.label)}</text>`);
  }
  opts.series.forEach((s, i) => {
    const cls = escapeHtml(s.cls || `s${i}`);
    parts.push(`<path d="${path(s.points)}" class="line ${cls}"/>`);
    if (s.label) {
      parts.push(`<text x="${M.left + 8 + 170 * i}" y="${M.top - 12}" class="legend-text ${cls}">${escapeHtml(s.label)}</text>`);
    }
  });
  parts.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" class="axis"/>`,
    `<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" class="axis"/>`,
    `<text x="${(W + M.left) / 2}" y="${H - 8}" class="label" text-anchor="middle">${escapeHtml(opts.xLabel)}</text>`,
    `<text x="14" y="${(H - M.bottom + M.top) / 2}" class="label" text-anchor="middle"
      transform="rotate(-90 14 ${(H - M.bottom + M.top) / 2})">${escapeHtml(opts.yLabel)}</text>`,
    "</svg>");
  return parts.join("");
}
