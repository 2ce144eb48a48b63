// The residents' map: wires the state (URL), the map, the list, the panel and the search.
//
// One refresh per view: the listings of the view nearest first from the reference point
// (the user's position after "Autour de moi", else the map centre), and, when zoomed
// out, the server-side clusters. Never more than MAX_MARKERS listings at once.

import { config, filterParams, getJSON, lonlat, servicesMatch, stats } from "./api.js";
import { CommuneSearch } from "./commune_search.js";
import { DETAIL_ZOOM, MapView } from "./mapview.js";
import { DetailPanel } from "./panel.js";
import { ResultsList } from "./results.js";
import { parseState, serializeState } from "./state.js";
import { alignedView } from "./tiles.js";

const LIST_SIZE = 50;
const MAX_MARKERS = 200;
const NEAREST_TO_FIT = 8;

let state = parseState(window.location.search);
let refreshController = null;
let refreshTimer = null;
let firstRender = true;
let applyingHistory = false;

const $ = (id) => document.getElementById(id);

const mapView = new MapView($("map"), config, {
  hover: (id) => hover(id, "map"),
  select: (id) => select(id),
  moved: () => onMoved(),
});
const results = new ResultsList($("results-list"), $("results-status"), {
  hover: (id) => hover(id, "list"),
  select: (id) => select(id),
});
const panel = new DetailPanel($("detail"), $("detail-body"), $("detail-close"), {
  close: () => closePanel(),
});
new CommuneSearch($("commune-search"), $("commune-options"), { choose: (c) => chooseCommune(c) });

// --- history -------------------------------------------------------------------------

function commit({ push }) {
  if (applyingHistory) return;
  const url = serializeState(state);
  if (url === window.location.search) return;
  if (push) window.history.pushState(null, "", url);
  else window.history.replaceState(null, "", url);
}

window.addEventListener("popstate", () => {
  state = parseState(window.location.search);
  applyingHistory = true;
  try {
    syncControls();
    placeView();
    mapView.showUser(state.me);
    loadOutline(false);
    syncPanel();
  } finally {
    applyingHistory = false;
  }
  scheduleRefresh(0);
});

// --- controls ------------------------------------------------------------------------

const chips = [...document.querySelectorAll(".chip[data-category]")];
const toggles = {
  open: $("filter-open"), delivery: $("filter-delivery"), pickup: $("filter-pickup"),
};
const nameInput = $("name-search");

function syncControls() {
  for (const chip of chips) {
    chip.setAttribute("aria-pressed", String(state.cat.includes(chip.dataset.category)));
  }
  for (const [key, input] of Object.entries(toggles)) input.checked = state[key];
  if (document.activeElement !== nameInput) nameInput.value = state.q;
}

for (const chip of chips) {
  chip.addEventListener("click", () => {
    const slug = chip.dataset.category;
    state.cat = state.cat.includes(slug) ? state.cat.filter((s) => s !== slug) : [...state.cat, slug];
    syncControls();
    commit({ push: true });
    scheduleRefresh(0);
  });
}
for (const [key, input] of Object.entries(toggles)) {
  input.addEventListener("change", () => {
    state[key] = input.checked;
    commit({ push: true });
    scheduleRefresh(0);
  });
}
let nameTimer = null;
nameInput.addEventListener("input", () => {
  clearTimeout(nameTimer);
  nameTimer = setTimeout(() => {
    state.q = nameInput.value.trim();
    commit({ push: false });
    scheduleRefresh(0);
  }, 300);
});
$("search-form").addEventListener("submit", (event) => event.preventDefault());

const viewToggle = $("view-toggle");
viewToggle.addEventListener("click", () => {
  const hidden = document.body.classList.toggle("map-hidden");
  viewToggle.setAttribute("aria-expanded", String(!hidden));
  viewToggle.textContent = hidden ? "Afficher la carte" : "Masquer la carte";
  if (!hidden) mapView.map.invalidateSize();
});

// --- "Autour de moi" -----------------------------------------------------------------

const nearButton = $("near-me");
nearButton.addEventListener("click", () => {
  if (!navigator.geolocation) {
    results.setStatus("Votre navigateur ne donne pas votre position : cherchez une commune.");
    return;
  }
  nearButton.disabled = true;
  results.setStatus("Recherche de votre position…");
  navigator.geolocation.getCurrentPosition(
    (position) => {
      nearButton.disabled = false;
      aroundMe({ lat: position.coords.latitude, lon: position.coords.longitude });
    },
    () => {
      nearButton.disabled = false;
      results.setStatus("Position indisponible ou refusée : cherchez une commune ou un code postal.");
    },
    { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 },
  );
});

async function aroundMe(me) {
  state.me = me;
  state.commune = null;
  mapView.showOutline(null);
  mapView.showUser(me);
  // Frame the user and the nearest listings; the refresh that follows lists them.
  let nearest = [];
  try {
    const data = await getJSON("businesses/", {
      ...filterParams(state), point: lonlat(me), page_size: NEAREST_TO_FIT,
    });
    nearest = data.features.map((f) => [f.geometry.coordinates[1], f.geometry.coordinates[0]]);
  } catch {
    /* the refresh below reports errors */
  }
  commit({ push: true });
  mapView.fitPoints([[me.lat, me.lon], ...nearest], 16);
  scheduleRefresh(0);
}

// --- communes ------------------------------------------------------------------------

async function chooseCommune(commune) {
  state.commune = commune.code;
  state.me = null;
  mapView.showUser(null);
  commit({ push: true });
  await loadOutline(true);
}

async function loadOutline(fit) {
  if (!state.commune) {
    mapView.showOutline(null);
    return;
  }
  try {
    const feature = await getJSON(`communes/${state.commune}/`);
    mapView.showOutline(feature.geometry);
    if (fit && feature.properties.bbox) mapView.fitBbox(feature.properties.bbox);
  } catch {
    mapView.showOutline(null);
  }
}

// --- selection -----------------------------------------------------------------------

// The listing under the pointer or the focus; when none, the open one stays marked.
let selectedFeature = null;
function hover(id, from) {
  results.setActive(id, { scroll: from === "map" });
  if (!id && state.b && selectedFeature?.id === state.b) {
    mapView.highlight(state.b, selectedFeature);
    return;
  }
  mapView.highlight(id, results.get(id) || mapView.features.get(id));
}

function select(id) {
  if (state.b === id && !$("detail").hidden) return;
  state.b = id;
  commit({ push: true });
  syncPanel({ reveal: true });
}

function closePanel() {
  const id = state.b;
  state.b = null;
  commit({ push: true });
  syncPanel();
  if (id) results.focus(id);
}

let panelController = null;
async function syncPanel({ focus = true, reveal = false } = {}) {
  results.setSelected(state.b);
  if (!state.b) {
    selectedFeature = null;
    panel.hide();
    mapView.highlight(null);
    return;
  }
  if (panel.id === state.b && !$("detail").hidden) return;
  const id = state.b;
  panelController?.abort();
  panelController = new AbortController();
  panel.showLoading(id);
  try {
    const feature = await getJSON(`businesses/${id}/`, {}, panelController.signal);
    if (state.b !== id) return;
    selectedFeature = feature;
    panel.show(feature, { me: state.me, focus });
    mapView.highlight(id, feature);
    if (reveal) mapView.reveal(feature, $("detail"));
  } catch (error) {
    if (error.name !== "AbortError") panel.showError(id);
  }
}

// --- the view and its listings -------------------------------------------------------

function placeView() {
  if (state.lat !== null) mapView.setView(state.lat, state.lon, state.z);
  else mapView.fitRegion(config.regionBounds);
}

function onMoved() {
  const view = mapView.view();
  state.lat = view.lat;
  state.lon = view.lon;
  state.z = view.z;
  commit({ push: false });
  scheduleRefresh(120);
}

function scheduleRefresh(delay) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, delay);
}

async function refresh() {
  refreshController?.abort();
  refreshController = new AbortController();
  const { signal } = refreshController;
  const view = alignedView(mapView.map, config.searchBbox); // tiles.js: the same screen, the same URLs
  const reference = state.me || { lat: view.lat, lon: view.lon };
  const detailed = view.z >= DETAIL_ZOOM;
  const filters = filterParams(state);
  const inBbox = view.bbox;
  if (!inBbox) {
    results.render([], { total: 0 });
    mapView.clear();
    results.setStatus("Aucun commerce ici : Sauvons Noël couvre la Région Sud.");
    finishRefresh();
    return;
  }
  try {
    const [listing, clusters] = await Promise.all([
      getJSON("businesses/", {
        ...filters, in_bbox: inBbox, point: lonlat(reference),
        page_size: detailed ? MAX_MARKERS : LIST_SIZE,
      }, signal),
      detailed ? null : getJSON("clusters/", { ...filters, in_bbox: inBbox, zoom: view.z }, signal),
    ]);
    const features = listing.features.filter((f) => servicesMatch(state, f));
    const total = state.delivery && state.pickup ? features.length : listing.count;
    results.render(features.slice(0, LIST_SIZE), { total, reference: state.me ? "me" : "centre" });
    if (detailed) mapView.showMarkers(features);
    else mapView.showClusters(clusters.features);
    results.setSelected(state.b);
    finishRefresh();
  } catch (error) {
    if (error.name === "AbortError") return;
    const reasons = error.errors ? Object.values(error.errors).join(" ; ") : "";
    results.setStatus(`Les commerces n’ont pas pu être chargés${reasons ? ` : ${reasons}` : ""}. Réessayez.`);
    mapView.addTiles();
    finishRefresh({ rendered: false });
  }
}

// The first render of listings is the figure the browser test reports (performance.mark).
let refreshes = 0;
function finishRefresh({ rendered = true } = {}) {
  if (firstRender && rendered) {
    firstRender = false;
    performance.mark("sn:first-render");
    document.body.dataset.ready = "true";
    mapView.addTiles();
  }
  refreshes += 1;
  document.body.dataset.refreshed = String(refreshes);
}

// --- start ---------------------------------------------------------------------------

window.sauvonsNoel = { stats, get state() { return state; }, map: mapView.map };
syncControls();
const sharedView = state.lat !== null;
applyingHistory = true;
placeView();
applyingHistory = false;
mapView.showUser(state.me);
loadOutline(!sharedView);
syncPanel({ focus: false });
commit({ push: false });
scheduleRefresh(0);
