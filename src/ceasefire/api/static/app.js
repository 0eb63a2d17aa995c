// The operations picture: phase banners, the map, the actions board. Everything comes from
// /api with the user's token; what a role may not see is never sent by the server. Data is
// always written with textContent, never as HTML.
"use strict";

const STATUS_COLOURS = {
  reported: "#9aa3b5", corroborated: "#f0b400", verified: "#c0392b",
  disputed: "#7d3c98", rejected: "#ffffff",
};
const SEVERITY_RADIUS = { minor: 5, major: 8, grave: 12 };
const PHASE_COLOURS = ["#2e7d32", "#f0b400", "#e67e22", "#c0392b"];
let token = sessionStorage.getItem("ceasefire-token");
let map, incidentLayer, me, tracks = [];

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
  });
  if (response.status === 401) { signOut("Your token was refused: sign in again."); throw 401; }
  if (!response.ok) throw response.status;
  return response.json();
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function signOut(message) {
  sessionStorage.removeItem("ceasefire-token");
  token = null;
  document.getElementById("picture").hidden = true;
  document.getElementById("sign-out").hidden = true;
  document.getElementById("sign-in").hidden = false;
  document.getElementById("sign-in-error").textContent = message || "";
  document.getElementById("who").textContent = "";
}

async function start() {
  me = await api("/api/me");
  document.getElementById("who").textContent =
    `${me.name} — ${me.role}${me.party ? " (" + me.party + ")" : ""}`;
  document.getElementById("sign-in").hidden = true;
  document.getElementById("sign-out").hidden = false;
  document.getElementById("picture").hidden = false;
  setUpMap();
  legend();
  await Promise.allSettled([basemap(), zones(), incidents(), banners(), actions(), commitments()]);
  setInterval(() => { incidents(); banners(); actions(); commitments(); }, 30000);
  setInterval(tick, 1000);
}

function setUpMap() {
  if (map) return;
  map = L.map("map", { preferCanvas: true }).setView([48.3, 37.5], 7);
  // Panes keep the order whatever loads first: boundaries, then zones, then incidents.
  map.createPane("basemap").style.zIndex = 250;
  map.createPane("zones").style.zIndex = 350;
  map.createPane("incidents").style.zIndex = 450;
  map.attributionControl.addAttribution(
    "Boundaries: geoBoundaries / © OpenStreetMap contributors (ODbL), Natural Earth");
}

async function basemap() {
  const layers = await api("/api/basemap");
  const pane = "basemap";
  L.geoJSON(layers.countries, { pane, style: { color: "#8a94a6", weight: 1, fillColor: "#eef1f4", fillOpacity: 1 } }).addTo(map);
  L.geoJSON(layers.admin_areas, { pane, style: { color: "#b7bfcc", weight: 0.7, fill: false } }).addTo(map);
}

async function zones() {
  const agreements = await api("/api/agreements");
  if (!agreements.length) return;
  const collection = await api(`/api/agreements/${encodeURIComponent(agreements[0].name)}/zones`);
  const shown = collection.features.filter((f) => ["line_of_contact", "dmz", "withdrawal_line", "sector"].includes(f.properties.kind));
  L.geoJSON({ type: "FeatureCollection", features: shown }, {
    pane: "zones",
    style: (f) => f.properties.kind === "sector"
      ? { color: "#1f5fbf", weight: 0.6, dashArray: "2 4", fill: false }
      : f.properties.kind === "line_of_contact"
      ? { color: "#c0392b", weight: 2.5 }
      : f.properties.kind === "dmz" ? { color: "#c0392b", weight: 0.5, fillOpacity: 0.08 }
      : { color: "#555", weight: 1, dashArray: "4 3", fill: false },
  }).addTo(map);
}

function filters() {
  const params = new URLSearchParams({ format: "geojson" });
  for (const id of ["since", "until"]) {
    const value = document.getElementById(id).value;
    if (value) params.set(id, value);
  }
  return params;
}

async function incidents() {
  let collection;
  try { collection = await api(`/api/export/incidents?${filters()}`); }
  catch (e) { return; }  // a role without incidents simply has none on its map
  const wanted = {
    status: document.getElementById("status").value,
    severity: document.getElementById("severity").value,
    party: document.getElementById("party").value.trim().toUpperCase(),
    sector: document.getElementById("sector").value.trim().toLowerCase(),
  };
  const features = collection.features.filter((f) => {
    const p = f.properties;
    return (!wanted.status || p.status === wanted.status)
      && (!wanted.severity || p.severity === wanted.severity)
      && (!wanted.party || p.party === wanted.party)
      && (!wanted.sector || (p.sector || "").toLowerCase().includes(wanted.sector));
  });
  if (incidentLayer) incidentLayer.remove();
  incidentLayer = L.geoJSON({ type: "FeatureCollection", features }, {
    pointToLayer: (f, latlng) => L.circleMarker(latlng, {
      pane: "incidents",
      radius: SEVERITY_RADIUS[f.properties.severity] || 5,
      color: "#222", weight: 1, fillOpacity: 0.85,
      fillColor: STATUS_COLOURS[f.properties.status] || "#999",
    }),
    onEachFeature: (f, layer) => {
      layer.bindPopup(() => popup(f.properties), { maxWidth: 420 });
      layer.on("popupopen", (event) => detail(f.properties.incident, event.popup));
    },
  }).addTo(map);
  const n = features.length;
  document.getElementById("count").textContent = `${n} incident${n === 1 ? "" : "s"}`;
}

function popup(p) {
  const box = el("div");
  box.append(el("strong", `${p.incident} — ${p.category.replaceAll("_", " ")}`));
  const rows = [
    ["status", p.status], ["severity", p.severity], ["reports", p.reports],
    ["from", p.start], ["sector", p.sector || "—"],
    ["party", p.party ? `${p.party} (${p.attribution})` : "not attributed"],
    ["clauses", (p.clauses || []).join(", ") || "—"],
  ];
  for (const [k, v] of rows) box.append(el("div", `${k}: ${v}`));
  return box;
}

// The incident in full, as the role may see it: its reports (sources only for analysts), the
// status history, the attribution and its basis, the clauses, the party's reply.
async function detail(incident, openPopup) {
  let d;
  try { d = await api(`/api/incidents/${encodeURIComponent(incident)}`); } catch (e) { return; }
  const box = popup(d);
  box.className = "detail";
  const a = d.attribution_detail;
  box.append(el("h3", "Attribution"));
  box.append(el("div", a ? `${a.party}: ${a.proposed ? "proposed by the rules" : "by " + a.by}, ` +
    `${a.basis}, ${a.confidence} — ${a.why}` : "none"));
  box.append(el("h3", "Status history"));
  const history = el("ol");
  for (const h of d.history) history.append(el("li", `${h.at.slice(0, 16)} ${h.status} (${h.by}): ${h.reason}`));
  box.append(history);
  if (d.replies.length) {
    box.append(el("h3", "Replies"));
    for (const r of d.replies) box.append(el("div", `${r.party}: ${r.text}`));
  }
  box.append(el("h3", `Reports (${d.members.length})`));
  const reports = el("ul");
  for (const m of d.members.slice(0, 20)) {
    reports.append(el("li", `${m.observed_start.slice(0, 16)} ${m.category} — source ${m.source_id}`));
  }
  box.append(reports);
  openPopup.setContent(box);
}

async function banners() {
  let found;
  try { found = await api("/api/tracks"); } catch (e) { return; }
  tracks = Object.entries(found).flatMap(([plan, list]) => list.map((t) => ({ plan, ...t })));
  const holder = document.getElementById("banners");
  holder.replaceChildren();
  for (const t of tracks) {
    const banner = el("div", undefined, "banner");
    banner.style.setProperty("--phase", PHASE_COLOURS[Math.min(t.phase, 3)]);
    banner.append(el("strong", `${t.party} — phase ${t.phase}: ${t.phase_name}`));
    banner.append(el("div", `T0 ${t.t0 || "—"} · ${t.rule}`));
    const clock = el("div", "", "clock");
    clock.dataset.next = t.clocks.length ? t.clocks[0].at : "";
    clock.dataset.what = t.clocks.length ? t.clocks[0].what : "";
    banner.append(clock);
    holder.append(banner);
  }
  tick();
}

function tick() {
  for (const clock of document.querySelectorAll(".clock")) {
    if (!clock.dataset.next) { clock.textContent = "no clock running"; continue; }
    const left = Math.max(0, new Date(clock.dataset.next) - Date.now()) / 1000;
    const h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = Math.floor(left % 60);
    clock.textContent = `${clock.dataset.what} in ${h}h ${String(m).padStart(2, "0")}m ${String(s).padStart(2, "0")}s`;
  }
}

async function actions() {
  let found;
  try { found = await api("/api/actions"); } catch (e) { return; }
  const list = document.getElementById("actions");
  list.replaceChildren();
  for (const a of found.items) {
    const item = el("li");
    item.append(el("div", a.summary, a.overdue ? "overdue" : ""));
    item.append(el("div", `due ${a.due_at || "—"} · ${a.actors.join(", ")}`));
    if (me && me.role === "guarantor" && a.actors.includes(me.party)) {
      const button = el("button", "Acknowledge");
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          await api(`/api/actions/${a.decision_id}/ack`, { method: "POST", body: JSON.stringify({ note: "" }) });
          actions();
        } catch (e) { button.disabled = false; }
      });
      item.append(button);
    }
    list.append(item);
  }
  if (!found.items.length) list.append(el("li", "No open actions."));
}

// Commitments, most urgent first (overdue, disputed, then by deadline). A role that may not
// read them gets a 403, and the panel says so rather than stay empty.

async function commitments() {
  const list = document.getElementById("commitments");
  let found;
  try { found = await api("/api/commitments?limit=50"); } catch (status) {
    list.replaceChildren(el("li", status === 403
      ? "Not available to this role." : `Commitments could not be read (error ${status}).`));
    return;
  }
  list.replaceChildren();
  const items = found.items;  // the server sends the most urgent first
  for (const c of items) {
    const item = el("li");
    item.append(el("div", `${c.id} (${c.party}): ${c.status.replace("_", " ")}`, `commitment-${c.status}`));
    item.append(el("div", `due ${c.due.slice(0, 16).replace("T", " ")} UTC · ${c.progress}`));
    item.append(el("div", c.why, "why"));
    list.append(item);
  }
  if (found.total > items.length) list.append(el("li", `… and ${found.total - items.length} more`));
  if (!items.length) list.append(el("li", "The agreement lists no commitments."));
}

function legend() {
  const list = document.getElementById("legend");
  list.replaceChildren();
  for (const [status, colour] of Object.entries(STATUS_COLOURS)) {
    const item = el("li");
    const swatch = el("span", undefined, "swatch");
    swatch.style.background = colour;
    item.append(swatch, el("span", status));
    list.append(item);
  }
  list.append(el("li", "circle size: minor, major, grave"));
}

document.getElementById("sign-in").addEventListener("submit", (event) => {
  event.preventDefault();
  token = document.getElementById("token").value.trim();
  sessionStorage.setItem("ceasefire-token", token);
  start().catch(() => {});
});
document.getElementById("sign-out").addEventListener("click", () => signOut());
document.getElementById("filters").addEventListener("submit", (event) => {
  event.preventDefault();
  incidents();
});

// A token in the address's fragment (never sent to the server) signs in once, then is dropped.
if (location.hash.startsWith("#token=")) {
  token = decodeURIComponent(location.hash.slice(7));
  sessionStorage.setItem("ceasefire-token", token);
  history.replaceState(null, "", location.pathname);
}
if (token) start().catch(() => {}); else signOut();
