// The operations picture: phase banners, the map, the timeline, the actions and commitments.
// Everything comes from /api with the user's token; what a role may not see is never sent by
// the server. Data is always written with textContent, never as HTML. New records are announced
// by /api/events and the views refetch what changed; nothing is polled from the browser.
"use strict";

const STATUS_COLOURS = {
  reported: "#9aa3b5", corroborated: "#f0b400", verified: "#c0392b",
  disputed: "#7d3c98", rejected: "#ffffff",
};
const SEVERITY_RADIUS = { minor: 5, major: 8, grave: 12 };
const PHASE_COLOURS = ["#2e7d32", "#f0b400", "#e67e22", "#c0392b"];
const CLUSTER_UNTIL_ZOOM = 10;  // single incidents from zoom 11
let token = sessionStorage.getItem("ceasefire-token");
let map, incidentLayer, me, tracks = [];
let allIncidents = [];  // the incidents of the From/Until window, as the server sent them
let index = null;  // the clusters of the incidents shown (Supercluster)
let placed = [];  // the incidents shown that have a position
const IN_VIEW = 8;  // how many of the newest incidents in view the side list offers
let phaseChanges = [];  // phase_entered decisions, for the timeline
let selection = null;  // [startMs, endMs] brushed on the timeline, or null
let ticking = null;  // the countdowns' interval, set once

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
  });
  if (response.status === 401) { signOut("Your token was refused: sign in again."); throw 401; }
  if (!response.ok) throw response.status;
  return response.json();
}

// A recorded time (ISO text or milliseconds) as people read it: to the minute, in the zone
// chosen in the header (UTC, or the agreement's zone the reports use), said so.
let shownZone = localStorage.getItem("ceasefire-zone") || "UTC";
function when(time) {
  if (time === null || time === undefined || time === "") return "—";
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return "—";
  if (shownZone === "UTC") return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", {
    timeZone: shownZone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(date).map((p) => [p.type, p.value]));
  const place = shownZone.split("/").pop().replaceAll("_", " ");
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${place}`;
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

let stream = null;  // the open event stream's AbortController

function signOut(message) {
  sessionStorage.removeItem("ceasefire-token");
  token = null;
  if (stream) stream.abort();  // a stream opened with the old token must not outlive it
  document.getElementById("picture").hidden = true;
  document.getElementById("sign-out").hidden = true;
  document.getElementById("sign-in").hidden = false;
  document.getElementById("sign-in-error").textContent = message || "";
  document.getElementById("who").textContent = "";
}

async function start() {
  // The incidents (the largest answer) and the decisions are asked for at once, alongside
  // who the token belongs to, and drawn once the picture is shown.
  const early = Promise.all([decisions(), fetchIncidents()]).catch(() => [null, null]);
  me = await api("/api/me");
  document.getElementById("who").textContent =
    `${me.name} — ${me.role}${me.party ? " (" + me.party + ")" : ""}`;
  document.getElementById("sign-in").hidden = true;
  document.getElementById("sign-out").hidden = false;
  document.getElementById("picture").hidden = false;
  setUpMap();
  legend();
  await Promise.allSettled([
    config(), basemap(), zones(), places(), early.then(([, columns]) => showIncidents(columns)),
    banners(), actions(), commitments(),
  ]);
  if (!ticking) ticking = setInterval(tick, 1000);
  live();
}

// Everything that may have changed when the record grows, fetched again (at most every 2 s).
let refreshing = null;
function refresh() {
  if (refreshing) return;
  refreshing = setTimeout(async () => {
    await Promise.allSettled([incidents(), banners(), actions(), commitments()]);
    refreshing = null;
  }, 2000);
}

// Server-sent events, read with fetch so the token goes in a header, not the address. The
// stream says only how long the record is; on a change the views refetch through routes the
// role may use. A dropped stream is reopened after a pause.
async function live() {
  let seen = null;
  if (stream) stream.abort();
  const mine = stream = new AbortController();
  while (token && !mine.signal.aborted) {
    try {
      const response = await fetch("/api/events", {
        headers: { Authorization: `Bearer ${token}` }, signal: mine.signal,
      });
      if (response.status === 401) { signOut("Your token was refused: sign in again."); return; }
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = message.split("\n").find((line) => line.startsWith("data: "));
          if (!data) continue;
          const { seq } = JSON.parse(data.slice(6));
          if (seen !== null && seq !== seen) refresh();
          seen = seq;
          document.body.dataset.recordSeq = String(seq);
        }
      }
    } catch (e) { /* the server went away: try again below */ }
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
}

// A tile server where one is configured (`serve --tiles`); none by default, and then the map
// asks nothing of any server but this one.
async function config() {
  const found = await api("/api/config");
  zoneSwitch(found.zone);
  if (found.tiles) {
    L.tileLayer(found.tiles, { attribution: found.tiles_attribution, pane: "tilePane" }).addTo(map);
  }
}

// Times in UTC or in the agreement's zone (the reports' own): the choice is kept in the
// browser, and every view is drawn again in it.
function zoneSwitch(agreementZone) {
  const select = document.getElementById("zone");
  const zones = ["UTC", ...(agreementZone && agreementZone !== "UTC" ? [agreementZone] : [])];
  if (!zones.includes(shownZone)) shownZone = "UTC";
  select.replaceChildren(...zones.map((z) => {
    const option = el("option", z === "UTC" ? "UTC" : `${z} (the agreement's)`);
    option.value = z;
    option.selected = z === shownZone;
    return option;
  }));
  select.hidden = zones.length < 2;
  select.onchange = async () => {
    shownZone = select.value;
    localStorage.setItem("ceasefire-zone", shownZone);
    await Promise.allSettled([incidents(), banners(), actions(), commitments()]);
  };
}

function setUpMap() {
  if (map) return;
  map = L.map("map", { preferCanvas: true, minZoom: 4, maxZoom: 16 }).setView([48.3, 37.5], 7);
  // Panes keep the order whatever loads first: boundaries, then zones, then incidents.
  map.createPane("basemap").style.zIndex = 250;
  map.createPane("zones").style.zIndex = 350;
  map.createPane("labels").style.zIndex = 400;
  map.getPane("labels").style.pointerEvents = "none";
  map.createPane("incidents").style.zIndex = 450;
  // One layer for the incidents; its content is redrawn for the visible area after each move.
  incidentLayer = L.featureGroup().addTo(map);
  incidentLayer.on("click", (event) => {
    if (event.layer.cluster !== undefined) zoomInto(event.layer);
    else openIncident(event.layer);
  });
  map.on("moveend", drawVisible);
  map.attributionControl.addAttribution(
    "Boundaries: geoBoundaries / © OpenStreetMap contributors (ODbL), Natural Earth; places: GeoNames (CC BY 4.0)");
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
  document.body.dataset.zones = String(shown.length);  // for tests: the geography is drawn
  // Who holds what: the ground the agreement's first control rule gives a party, shaded.
  try {
    const held = await api(`/api/agreements/${encodeURIComponent(agreements[0].name)}/control`);
    L.geoJSON(held, {
      pane: "zones", interactive: false,
      style: { color: "#a4000f", weight: 0, fillColor: "#c0392b", fillOpacity: 0.1 },
    }).addTo(map);
    document.body.dataset.held = held.features.map((f) => f.properties.label).join(", ");
    legendHeld(held.features.map((f) => f.properties.label));
  } catch (e) { /* an agreement without control areas: nothing to shade */ }
}

// Town names from the bundled gazetteer, more of them as one zooms in.
let placeLabels = [];
async function places() {
  let found;
  try { found = await api("/api/places?min_population=5000"); } catch (e) { return; }
  placeLabels = found.map((p) => {
    const name = el("span", p.name);
    const marker = L.marker([p.lat, p.lon], {
      pane: "labels", interactive: false, keyboard: false,
      icon: L.divIcon({ html: name, className: "place", iconSize: null }),
    });
    marker.population = p.population;
    return marker;
  });
  map.on("zoomend", showPlaces);
  showPlaces();
}

function showPlaces() {
  const zoom = map.getZoom();
  const least = zoom <= 6 ? 300000 : zoom === 7 ? 100000 : zoom === 8 ? 40000 : zoom === 9 ? 15000 : 5000;
  // Biggest first (the server's order); a name that would sit on a bigger one's is left out.
  const taken = [];
  let shown = 0;
  for (const marker of placeLabels) {
    let wanted = marker.population >= least;
    if (wanted) {
      const at = map.project(marker.getLatLng(), zoom);
      wanted = !taken.some((p) => Math.abs(p.x - at.x) < 70 && Math.abs(p.y - at.y) < 16);
      if (wanted) taken.push(at);
    }
    if (wanted && !map.hasLayer(marker)) marker.addTo(map);
    if (!wanted && map.hasLayer(marker)) marker.remove();
    if (wanted) shown += 1;
  }
  document.body.dataset.places = String(shown);
}

async function decisions() {
  try {
    const found = await api("/api/decisions?limit=1000");
    phaseChanges = found.items.filter((d) => d.kind === "phase_entered");
  } catch (e) { phaseChanges = []; }  // a role without the engine's decisions sees none
}

function filters() {
  const params = new URLSearchParams();
  for (const id of ["since", "until"]) {
    const value = document.getElementById(id).value;
    if (value) params.set(id, value);
  }
  return params;
}

// The decisions (for the timeline's phase changes) and the incidents, asked for together.
async function incidents() {
  const [, columns] = await Promise.all([decisions(), fetchIncidents()]);
  showIncidents(columns);
}

// The first screen asks for the record's last week, not all of it: a year's record is a
// million reports. The server says where that week starts; it fills "From", and the user
// widens it (clearing "From" asks for everything).
const DEFAULT_WINDOW_DAYS = 7;
let defaultWindow = true;

async function fetchIncidents() {
  const params = filters();
  if (defaultWindow && !params.has("since")) params.set("days", String(DEFAULT_WINDOW_DAYS));
  try {
    const response = await fetch(`/api/map/incidents?${params}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    if (!response.ok) return null;
    const since = response.headers.get("X-Window-Since");
    const from = document.getElementById("since");
    if (since && defaultWindow && !from.value) from.value = since.slice(0, 10);
    return await response.json();
  } catch (e) { return null; }  // a role without incidents simply has none on its map
}

function showIncidents(columns) {
  if (!columns) return;
  allIncidents = rows(columns);
  categories();
  draw();
}

// The server's columns (one array per field, repeated words sent once) as one object per
// incident, which the filters, the map and the timeline read.
function rows(columns) {
  const decoded = (name) => {
    const { values, codes } = columns[name];
    return codes.map((code) => values[code]);
  };
  const [category, severity, status, party, attribution, sector] =
    ["category", "severity", "status", "party", "attribution", "sector"].map(decoded);
  const found = new Array(columns.count);
  for (let k = 0; k < columns.count; k++) {
    found[k] = {
      incident: `INC-${columns.incident[k]}`, lon: columns.lon[k], lat: columns.lat[k],
      start: columns.start[k] * 1000, reports: columns.reports[k],
      violation: columns.violation[k] === 1, category: category[k], severity: severity[k],
      status: status[k], party: party[k], attribution: attribution[k], sector: sector[k],
    };
  }
  return found;
}

// The category filter offers the categories present, so it never lists an empty choice.
function categories() {
  const select = document.getElementById("category");
  const chosen = select.value;
  const present = [...new Set(allIncidents.map((i) => i.category))].sort();
  select.replaceChildren(el("option", "any"));
  select.options[0].value = "";
  for (const c of present) {
    const option = el("option", c.replaceAll("_", " "));
    option.value = c;
    select.append(option);
  }
  select.value = present.includes(chosen) ? chosen : "";
}

// The map and the timeline from the incidents in hand: every filter applies to both, and the
// timeline's own selection to the map only (the timeline keeps showing the whole window).
function draw() {
  const wanted = {
    status: document.getElementById("status").value,
    severity: document.getElementById("severity").value,
    category: document.getElementById("category").value,
    party: document.getElementById("party").value.trim().toUpperCase(),
    sector: document.getElementById("sector").value.trim().toLowerCase(),
  };
  const filtered = allIncidents.filter((i) =>
    (!wanted.status || i.status === wanted.status)
    && (!wanted.severity || i.severity === wanted.severity)
    && (!wanted.category || i.category === wanted.category)
    && (!wanted.party || i.party === wanted.party)
    && (!wanted.sector || (i.sector || "").toLowerCase().includes(wanted.sector)));
  const shown = selection
    ? filtered.filter((i) => i.start >= selection[0] && i.start < selection[1])  // half-open, like the bins
    : filtered;
  cluster(shown);
  const n = shown.length;
  document.getElementById("count").textContent =
    `${n.toLocaleString("en")} incident${n === 1 ? "" : "s"}` + (selection ? " in the selected window" : "");
  document.getElementById("clear-selection").hidden = !selection;
  drawTimeline(document.getElementById("timeline"), filtered, phaseChanges, selection, (range) => {
    selection = range;
    draw();
  });
}

// Clusters where incidents are dense, so 100,000 stay smooth: the shown incidents are indexed
// once (Supercluster), and the map draws only the clusters and incidents of the visible area
// at its zoom, again after each move. Each cluster carries how many of its incidents are
// grave, so a cluster never hides the worst of what it holds.
function cluster(shown) {
  const points = [];
  for (const i of shown) {
    if (i.lon === null || i.lat === null) continue;
    points.push({ type: "Feature", geometry: { type: "Point", coordinates: [i.lon, i.lat] }, properties: i });
  }
  placed = shown.filter((i) => i.lon !== null && i.lat !== null);
  index = new Supercluster({
    radius: 40, extent: 256, minZoom: 4, maxZoom: CLUSTER_UNTIL_ZOOM,  // radius in screen pixels
    map: (i) => ({ grave: i.severity === "grave" ? 1 : 0 }),
    reduce: (sum, more) => { sum.grave += more.grave; },
  }).load(points);
  drawVisible();
  // Every shown incident is now in the map (tests and benchmarks/dashboard.py wait for it).
  document.body.dataset.drawn = String(points.length);
}

function drawVisible() {
  if (!index) return;
  const b = map.getBounds();
  const box = [Math.max(-180, b.getWest()), Math.max(-85, b.getSouth()),
    Math.min(180, b.getEast()), Math.min(85, b.getNorth())];
  const layers = index.getClusters(box, Math.round(map.getZoom())).map((c) => {
    const [lon, lat] = c.geometry.coordinates;
    return c.properties.cluster ? clusterMarker(c, lat, lon) : incidentMarker(c.properties, lat, lon);
  });
  incidentLayer.clearLayers();
  for (const layer of layers) incidentLayer.addLayer(layer);
  inView(b);
}

// The newest incidents in the visible area, as buttons: the way to an incident by keyboard
// (the map's circles are drawn on a canvas), and what just happened where one is looking.
function inView(bounds) {
  const newest = [];  // at most IN_VIEW, newest first: one pass, not a sort of 100,000
  for (const i of placed) {
    if (newest.length === IN_VIEW && i.start <= newest[IN_VIEW - 1].start) continue;
    if (!bounds.contains([i.lat, i.lon])) continue;
    let k = newest.length;
    while (k > 0 && newest[k - 1].start < i.start) k -= 1;
    newest.splice(k, 0, i);
    if (newest.length > IN_VIEW) newest.pop();
  }
  const list = document.getElementById("in-view");
  list.replaceChildren();
  for (const i of newest) {
    const button = el("button", `${i.incident} · ${i.category.replaceAll("_", " ")} · ${i.status} · ${when(i.start)}`);
    button.addEventListener("click", () => openAt(i, L.latLng(i.lat, i.lon)));
    const item = el("li");
    item.append(button);
    list.append(item);
  }
  if (!newest.length) list.append(el("li", "No incident in view."));
}

function incidentMarker(p, lat, lon) {
  const marker = L.circleMarker([lat, lon], {
    pane: "incidents",
    radius: SEVERITY_RADIUS[p.severity] || 5,
    color: "#222", weight: 1, fillOpacity: 0.85,
    fillColor: STATUS_COLOURS[p.status] || "#999",
  });
  marker.incident = p;  // the layer's one click handler opens it
  return marker;
}

function clusterMarker(c, lat, lon) {
  const n = c.properties.point_count, grave = c.properties.grave;
  const size = n < 100 ? "small" : n < 1000 ? "medium" : "large";
  const bubble = el("div");
  bubble.append(el("span", String(c.properties.point_count_abbreviated)));
  if (grave) bubble.append(el("span", String(grave), "grave-tag"));
  const title = `${n} incidents${grave ? `, ${grave} grave` : ""}: zoom in`;
  const marker = L.marker([lat, lon], {
    pane: "incidents", title, alt: title,
    icon: L.divIcon({ html: bubble, className: `cluster cluster-${size}`, iconSize: null }),
  });
  marker.cluster = c.properties.cluster_id;
  return marker;
}

// A cluster opens by zooming to where its incidents come apart.
function zoomInto(marker) {
  const zoom = Math.min(index.getClusterExpansionZoom(marker.cluster), CLUSTER_UNTIL_ZOOM + 1);
  map.setView(marker.getLatLng(), zoom);
}

function openIncident(marker) {
  if (marker.incident) openAt(marker.incident, marker.getLatLng());
}

function openAt(p, latLng) {
  const shown = L.popup({ maxWidth: 420 }).setLatLng(latLng).setContent(popup(p));
  shown.openOn(map);
  detail(p.incident, shown);
}

function popup(p) {
  const box = el("div");
  box.append(el("strong", `${p.incident} — ${p.category.replaceAll("_", " ")}`));
  const rows = [
    ["status", p.status], ["severity", p.severity], ["reports", p.reports],
    ["from", when(p.start)], ["sector", p.sector || "—"],
    ["party", p.party ? `${p.party} (${p.attribution})` : "not attributed"],
  ];
  if (p.clauses) rows.push(["clauses", p.clauses.join(", ") || "—"]);  // in the detail
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

let bannersRetry = null;

async function banners() {
  let found;
  const holder = document.getElementById("banners");
  clearTimeout(bannersRetry);
  try { found = await api("/api/tracks"); } catch (e) {
    if (e === 503) {
      // A server that has just started reads the whole record once before it can say where
      // each track stands: say so, and ask again shortly.
      holder.replaceChildren(el("div", "Tracks: the server is reading the record; shown in a moment.", "banner waiting"));
      bannersRetry = setTimeout(banners, 5000);
    }
    return;
  }
  tracks = Object.entries(found).flatMap(([plan, list]) => list.map((t) => ({ plan, ...t })));
  // With several plans adopted, each banner says whose track it is.
  const plans = new Set(tracks.map((t) => t.plan));
  holder.replaceChildren();
  for (const t of tracks) {
    const banner = el("div", undefined, "banner");
    banner.style.setProperty("--phase", PHASE_COLOURS[Math.min(t.phase, 3)]);
    const plan = plans.size > 1 ? ` (${t.plan})` : "";
    banner.append(el("strong", `${t.party} — phase ${t.phase}: ${t.phase_name}${plan}`));
    banner.append(el("div", `T0 ${when(t.t0)} · ${t.rule}`));
    // A gated phase whose conditions are met waits on the people the plan names.
    if (t.awaiting) banner.append(el("div",
      `phase ${t.awaiting.phase} awaits confirmation by ${t.awaiting.confirm_by.join(", ")} since ${when(t.awaiting.since)}`,
      "awaiting"));
    const why = el("button", "Why?", "why");
    why.setAttribute("aria-label", `Why ${t.party} is in phase ${t.phase}: the decision and its evidence`);
    why.addEventListener("click", () => explain(t));
    banner.append(why);
    // Every clock still running (the 24 h cure, the 72 h clock, the stand-down), soonest
    // first, each "if nothing changes" before it.
    if (!t.clocks.length) banner.append(el("div", "", "clock"));
    for (const c of t.clocks) {
      const clock = el("div", "", "clock");
      clock.dataset.next = c.at;
      clock.dataset.what = c.what;
      banner.append(clock);
    }
    holder.append(banner);
  }
  tick();
}

// The decision that put a track where it is: the rule, the parameters in force, the
// explanation and the evidence, as recorded.
async function explain(track) {
  let found;
  try { found = await api(`/api/decisions?plan=${encodeURIComponent(track.plan)}&limit=1000`); }
  catch (e) { return; }
  const decision = found.items.find((d) => d.decision_id === track.entered_by);
  const body = document.getElementById("explain-body");
  body.replaceChildren();
  document.getElementById("explain-title").textContent =
    `${track.party}: phase ${track.phase} ${track.phase_name}`;
  if (!decision) {
    body.append(el("p", "No recorded decision explains this phase."));
  } else {
    body.append(el("p", decision.summary));
    body.append(el("p", decision.explanation));
    const facts = el("dl");
    const late = decision.late ? " (late: the data arrived after it should have taken effect)" : "";
    const rows = [
      ["rule", decision.rule], ["took effect", when(decision.effective_at)],
      ["known at", when(decision.known_at) + late], ["T0", when(decision.t0)],
      ["decision", decision.decision_id],
    ];
    for (const [k, v] of rows) facts.append(el("dt", k), el("dd", v));
    body.append(facts);
    body.append(el("h3", `Evidence (${decision.evidence.length})`));
    const evidence = el("ul");
    for (const e of decision.evidence.slice(0, 50)) {
      const item = el("li");
      const open = el("button", e, "evidence");
      open.setAttribute("aria-label", `Show ${e} on the map`);
      open.addEventListener("click", () => showIncident(e));
      item.append(open);
      evidence.append(item);
    }
    body.append(evidence);
    const parameters = Object.entries(decision.parameters || {});
    if (parameters.length) {
      body.append(el("h3", "Parameters in force"));
      const list = el("ul");
      for (const [k, v] of parameters) list.append(el("li", `${k}: ${v}`));
      body.append(list);
    }
  }
  document.getElementById("explain").showModal();
}

// An incident a decision cites: the dialog closes and the map opens it where it happened.
async function showIncident(incident) {
  let d;
  try { d = await api(`/api/incidents/${encodeURIComponent(incident)}`); } catch (e) { return; }
  document.getElementById("explain").close();
  if (d.lat == null || d.lon == null) return;
  const at = L.latLng(d.lat, d.lon);
  // The incident in the lower part of the map, so its popup (tall, once the detail is in)
  // opens above it in view.
  const zoom = Math.max(map.getZoom(), 11);
  const below = map.project(at, zoom).subtract([0, map.getSize().y * 0.3]);
  map.setView(map.unproject(below, zoom), zoom);
  openAt({ ...d, incident }, at);
}

function tick() {
  for (const clock of document.querySelectorAll(".clock")) {
    if (!clock.dataset.next) { clock.textContent = "no clock running"; continue; }
    const left = Math.max(0, new Date(clock.dataset.next) - Date.now()) / 1000;
    const h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = Math.floor(left % 60);
    clock.textContent = `${clock.dataset.what} in ${h}h ${String(m).padStart(2, "0")}m ${String(s).padStart(2, "0")}s`;
  }
}

function shortList(names, most = 6) {
  return names.length > most ? `${names.slice(0, most).join(", ")} and ${names.length - most} more` : names.join(", ");
}

async function actions() {
  let found;
  try { found = await api("/api/actions"); } catch (e) { return; }
  const list = document.getElementById("actions");
  list.replaceChildren();
  for (const a of found.items) {
    const item = el("li");
    item.append(el("div", a.summary, a.overdue ? "overdue" : ""));
    const by = a.actors.length > 1 ? `${a.shared ? "any one of" : "each of"} ${shortList(a.actors)}` : a.actors.join(", ");
    item.append(el("div", `due ${when(a.due_at)} · ${by}`));
    // Who has answered and who still owes it: one guarantor's answer closes only its own part.
    const waiting = a.waiting_on.length && a.waiting_on.length < a.actors.length
      ? ` · waiting on ${shortList(a.waiting_on)}` : "";
    item.append(el("div", `${a.acknowledged}${waiting}`, "tally"));
    if (me && (me.role === "guarantor" || me.role === "liaison") && a.waiting_on.includes(me.party)) {
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
    item.append(el("div", `due ${when(c.due)} · ${c.progress}`));
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
  const clusters = el("li");
  clusters.append(el("span", undefined, "swatch cluster-swatch"),
    el("span", "numbered bubble: incidents close together, with how many are grave in red; click to zoom in"));
  list.append(clusters);
}

function legendHeld(labels) {
  const list = document.getElementById("legend");
  for (const label of labels) {
    const item = el("li");
    item.append(el("span", undefined, "swatch held-swatch"), el("span", `shaded: ground ${label}`));
    list.append(item);
  }
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
  defaultWindow = false;  // the user's window from now on, even an empty one (everything)
  incidents();  // From and Until go to the server; the other filters apply in the page
});
for (const id of ["status", "severity", "category"]) {
  document.getElementById(id).addEventListener("change", () => draw());
}
document.getElementById("clear-selection").addEventListener("click", () => {
  selection = null;
  draw();
});
document.getElementById("explain-close").addEventListener("click", () => {
  document.getElementById("explain").close();
});

// A token in the address's fragment (never sent to the server) signs in once, then is dropped.
if (location.hash.startsWith("#token=")) {
  token = decodeURIComponent(location.hash.slice(7));
  sessionStorage.setItem("ceasefire-token", token);
  history.replaceState(null, "", location.pathname);
}
if (token) start().catch(() => {}); else signOut();
