// The timeline under the map: violations per hour (per day over long windows), stacked by the
// party they are attributed to, with each phase change marked. Dragging across it selects a
// time window, which filters the map; a click without a drag clears the selection. Drawn as
// SVG with textContent only, like the rest of the page.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const PARTY_COLOURS = ["#b2182b", "#2166ac", "#1b7837", "#762a83", "#e08214"];
const UNATTRIBUTED = "#bababa";
const HOUR = 3600 * 1000;

function svgEl(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

// The bin width for a span: hours while that stays readable, else 6 hours, else days.
function binFor(spanMs) {
  if (spanMs <= 10 * 24 * HOUR) return { ms: HOUR, label: "per hour" };
  if (spanMs <= 60 * 24 * HOUR) return { ms: 6 * HOUR, label: "per 6 hours" };
  return { ms: 24 * HOUR, label: "per day" };
}

// incidents: as the other filters leave them (start in ms, violation, party); phases:
// phase_entered decisions; selection: [startMs, endMs] or null; onSelect(range or null).
function drawTimeline(svg, incidents, phases, selection, onSelect) {
  svg.replaceChildren();
  const width = svg.clientWidth || 800;
  const height = svg.clientHeight || 120;
  const left = 34, right = 8, top = 16, bottom = 18;
  const violations = incidents.filter((i) => i.violation);
  const times = incidents.map((i) => i.start).filter(Number.isFinite);
  if (!times.length) {
    svg.append(svgEl("text", { x: left, y: height / 2, class: "empty" }, "No incidents in the window."));
    svg.setAttribute("aria-label", "Timeline: no incidents in the window");
    return;
  }
  // A loop, not Math.min(...times): 100,000 arguments overflow the call stack.
  let first = Infinity, last = -Infinity;
  for (const t of times) { if (t < first) first = t; if (t > last) last = t; }
  const bin = binFor(last - first);
  const start = Math.floor(first / bin.ms) * bin.ms;
  const count = Math.max(1, Math.ceil((last + 1 - start) / bin.ms));
  const parties = [...new Set(violations.map((i) => i.party || "unattributed"))].sort();
  const colour = (party, i) => party === "unattributed" ? UNATTRIBUTED : PARTY_COLOURS[i % PARTY_COLOURS.length];
  const bins = Array.from({ length: count }, () => Object.fromEntries(parties.map((p) => [p, 0])));
  for (const i of violations) {
    if (!Number.isFinite(i.start)) continue;
    bins[Math.min(count - 1, Math.floor((i.start - start) / bin.ms))][i.party || "unattributed"] += 1;
  }
  let highest = 1;
  for (const b of bins) highest = Math.max(highest, Object.values(b).reduce((a, n) => a + n, 0));
  const plotWidth = width - left - right, plotHeight = height - top - bottom;
  const x = (t) => left + ((t - start) / (count * bin.ms)) * plotWidth;
  const y = (n) => top + plotHeight - (n / highest) * plotHeight;
  const barWidth = Math.max(1, plotWidth / count - 1);

  svg.append(svgEl("line", { x1: left, x2: width - right, y1: top + plotHeight, y2: top + plotHeight, class: "axis" }));
  svg.append(svgEl("text", { x: left - 4, y: top + 8, "text-anchor": "end", class: "tick" }, String(highest)));
  svg.append(svgEl("text", { x: left - 4, y: top + plotHeight, "text-anchor": "end", class: "tick" }, "0"));
  svg.append(svgEl("text", { x: left, y: height - 4, class: "tick" }, new Date(start).toISOString().slice(0, 16).replace("T", " ")));
  svg.append(svgEl("text", { x: width - right, y: height - 4, "text-anchor": "end", class: "tick" },
    new Date(start + count * bin.ms).toISOString().slice(0, 16).replace("T", " ") + " UTC"));
  bins.forEach((b, i) => {
    let base = 0;
    parties.forEach((party, k) => {
      const n = b[party];
      if (!n) return;
      const bar = svgEl("rect", {
        x: x(start + i * bin.ms), y: y(base + n), width: barWidth, height: y(base) - y(base + n),
        fill: colour(party, k),
      });
      bar.append(svgEl("title", {}, `${party}: ${n} ${n === 1 ? "violation" : "violations"}, ` +
        new Date(start + i * bin.ms).toISOString().slice(0, 16).replace("T", " ")));
      svg.append(bar);
      base += n;
    });
  });
  for (const d of phases) {
    const t = Date.parse(d.effective_at);
    if (!(t >= start && t <= start + count * bin.ms)) continue;
    const mark = svgEl("line", { x1: x(t), x2: x(t), y1: top - 4, y2: top + plotHeight, class: "phase" });
    mark.append(svgEl("title", {}, `${d.party} entered phase ${d.phase} (${d.rule})`));
    svg.append(mark);
    svg.append(svgEl("text", { x: x(t) + 2, y: top - 6, class: "phase-label" }, `${d.party}→${d.phase}`));
  }
  let legendX = left + 4;
  parties.forEach((party, k) => {
    svg.append(svgEl("rect", { x: legendX, y: 2, width: 9, height: 9, fill: colour(party, k) }));
    const label = svgEl("text", { x: legendX + 12, y: 10, class: "tick" }, party);
    svg.append(label);
    legendX += 20 + 7 * party.length;
  });
  svg.append(svgEl("text", { x: width - right, y: 10, "text-anchor": "end", class: "tick" },
    `violations ${bin.label}; drag to select a window`));
  svg.setAttribute("aria-label",
    `Timeline: ${violations.length} violations ${bin.label}, ${phases.length} phase changes; ` +
    "drag across it, or use the arrow keys (Shift to widen, Escape to clear), to show only " +
    "that window on the map");

  const band = svgEl("rect", { y: top, height: plotHeight, class: "selection", visibility: "hidden" });
  svg.append(band);
  const show = (a, b) => {
    band.setAttribute("x", Math.min(a, b));
    band.setAttribute("width", Math.max(1, Math.abs(b - a)));
    band.setAttribute("visibility", "visible");
  };
  if (selection) show(x(selection[0]), x(selection[1]));
  const toTime = (px) => start + ((Math.min(Math.max(px, left), width - right) - left) / plotWidth) * count * bin.ms;
  const local = (event) => event.clientX - svg.getBoundingClientRect().left;
  // The keyboard does what the drag does, a bin at a time: arrows move the window, Shift with
  // an arrow widens or narrows it, Escape clears it.
  const binOf = (t) => Math.min(count - 1, Math.max(0, Math.floor((t - start) / bin.ms)));
  svg.onkeydown = (event) => {
    if (event.key === "Escape") { onSelect(null); event.preventDefault(); return; }
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    event.preventDefault();
    const step = event.key === "ArrowRight" ? 1 : -1;
    let first = selection ? binOf(selection[0]) : (step > 0 ? -1 : count);
    let last = selection ? binOf(selection[1] - 1) : first;
    if (event.shiftKey && selection) {
      last = Math.min(count - 1, Math.max(first, last + step));
    } else {
      first = Math.min(count - 1, Math.max(0, first + step));
      last = Math.max(first, Math.min(count - 1, last + step));
      if (!selection) last = first;
    }
    onSelect([start + first * bin.ms, start + (last + 1) * bin.ms]);
    svg.focus();
  };
  let from = null;
  svg.onpointerdown = (event) => { from = local(event); svg.setPointerCapture(event.pointerId); };
  svg.onpointermove = (event) => { if (from !== null) show(from, local(event)); };
  svg.onpointerup = (event) => {
    if (from === null) return;
    const to = local(event);
    const moved = Math.abs(to - from) > 3;
    const range = moved ? [toTime(Math.min(from, to)), toTime(Math.max(from, to))] : null;
    from = null;
    onSelect(range);
  };
}
