// The residents' map: wires the state (URL), the map, the list, the panel and the search.
//
// One refresh per view: the listings of the view nearest first from the reference point
// (the user's position when it is in the view, else the map centre), and, when zoomed
// out, the server-side clusters; then how many listings of each category the view holds
// (the chips with none are disabled), only while the chips can be seen: always on a
// wide screen, on a phone once its filters sheet is open. A view with no listing offers
// the nearest ones.
// Never more than MAX_MARKERS listings at once. Every API request's parameters are built
// by requestParams(), the one place to change them.

import { config, filterParams, getJSON, lonlat, servicesMatch, stats } from "./api.js";
import { CommuneSearch } from "./commune_search.js";
import { numberText } from "./format.js";
import { DETAIL_ZOOM, MapView } from "./mapview.js";
import { DetailPanel } from "./panel.js";
import { ResultsList } from "./results.js";
import { FilterSheet, ListSheet } from "./sheet.js";
import { loadPosition, parseState, savePosition, serializeState } from "./state.js";
import { Suggest } from "./suggest.js";
import { alignedView } from "./tiles.js";

const LIST_SIZE = 50;
const MAX_MARKERS = 200;
const NEAREST_TO_FIT = 8;
const NEAREST_OUTSIDE = 5; // listings offered when the view has none

let state = parseState(window.location.search);
// The user's position is never in the URL (state.js): this tab's, if it gave one, read
// once the first requests are on their way (see the start).
state.me = null;
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
  clearFilters: () => clearFilters(),
}, $("results-more"));
const panel = new DetailPanel($("detail"), $("detail-body"), $("detail-close"), {
  close: () => closePanel(),
});
const communeInput = $("commune-search");
new CommuneSearch(communeInput, $("commune-options"), { choose: (c) => chooseCommune(c) });
new ListSheet($("results"), $("sheet-handle"));
const filtersPanel = $("filters");
const filterSheet = new FilterSheet($("filters-open"), $("filters-close"), filtersPanel, (shown) => {
  if (shown) askCounts(refreshController?.signal);
});

// --- the API requests ----------------------------------------------------------------

// The parameters of every request the map makes, by kind: "listing" (the view's listings,
// nearest first), "clusters" (zoomed out), "counts" (every category in the view: the
// other filters, never the chosen categories), "nearest" (outside the view, when it has
// none) and "fit" (around the user).
function requestParams(kind, { bbox = null, reference = null, zoom = null } = {}) {
  const filters = filterParams(state);
  switch (kind) {
    case "listing":
      return {
        ...filters, in_bbox: bbox, point: lonlat(reference),
        page_size: zoom >= DETAIL_ZOOM ? MAX_MARKERS : LIST_SIZE,
      };
    case "clusters":
      return { ...filters, in_bbox: bbox, zoom };
    case "counts":
      return { ...filters, category: null, in_bbox: bbox };
    case "nearest":
      return { ...filters, point: lonlat(reference), page_size: NEAREST_OUTSIDE };
    case "fit":
      return { ...filters, point: lonlat(reference), page_size: NEAREST_TO_FIT };
    default:
      throw new Error(`unknown request ${kind}`);
  }
}

// --- history -------------------------------------------------------------------------

function commit({ push }) {
  if (applyingHistory) return;
  const url = serializeState(state);
  if (url === window.location.search) return;
  if (push) window.history.pushState(null, "", url);
  else window.history.replaceState(null, "", url);
}

window.addEventListener("popstate", () => {
  state = { ...parseState(window.location.search), me: state.me };
  applyingHistory = true;
  try {
    syncControls({ history: true });
    placeView();
    mapView.showUser(state.me);
    loadOutline(false, { history: true });
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
const moreCategories = $("more-categories");
// A commune or a shop picked in the phone's filter sheet: the sheet gives way to the map.
new Suggest(nameInput, {
  commune: (c) => { filterSheet.set(false); chooseCommune(c); },
  shop: (id) => { filterSheet.set(false); select(id); },
});

function filterCount() {
  return state.cat.length + (state.q ? 1 : 0) + ["open", "delivery", "pickup"].filter((k) => state[k]).length;
}

// `history`: the state comes from Back or Forward, the fields say it even when focused
// (otherwise a field being typed in is left alone).
function syncControls({ history = false } = {}) {
  for (const chip of chips) {
    const pressed = state.cat.includes(chip.dataset.category);
    chip.setAttribute("aria-pressed", String(pressed));
    // A chip on stays clickable (to turn it off) whatever the view holds.
    if (pressed) chip.disabled = false;
    else if (chip.dataset.count === "0") chip.disabled = true;
  }
  for (const [key, input] of Object.entries(toggles)) input.checked = state[key];
  if (history || document.activeElement !== nameInput) nameInput.value = state.q;
  if (history || document.activeElement !== communeInput) communeInput.value = communeName(state.commune);
  filterSheet.setCount(filterCount());
  // A chosen leaf is shown, not hidden in a closed list.
  if (chips.some((c) => c.dataset.parent && c.getAttribute("aria-pressed") === "true")) moreCategories.open = true;
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
    filterSheet.setCount(filterCount());
    commit({ push: true });
    scheduleRefresh(0);
  });
}
let nameTimer = null;
nameInput.addEventListener("input", () => {
  clearTimeout(nameTimer);
  nameTimer = setTimeout(() => {
    state.q = nameInput.value.trim();
    filterSheet.setCount(filterCount());
    commit({ push: false });
    scheduleRefresh(0);
  }, 300);
});
$("search-form").addEventListener("submit", (event) => event.preventDefault());

function clearFilters() {
  Object.assign(state, { cat: [], q: "", open: false, delivery: false, pickup: false });
  syncControls();
  commit({ push: true });
  scheduleRefresh(0);
  $("results-status").focus(); // the button is gone: the focus goes to what changed
}

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
  savePosition(me);
  state.commune = null;
  communeInput.value = "";
  mapView.showOutline(null);
  mapView.showUser(me);
  // Frame the user and the nearest listings; the refresh that follows lists them.
  let nearest = [];
  try {
    const data = await getJSON("businesses/", requestParams("fit", { reference: me }));
    nearest = data.features.map((f) => [f.geometry.coordinates[1], f.geometry.coordinates[0]]);
  } catch {
    /* the refresh below reports errors */
  }
  commit({ push: true });
  mapView.fitPoints([[me.lat, me.lon], ...nearest], 16);
  scheduleRefresh(0);
}

// --- communes ------------------------------------------------------------------------

// The names of the communes met, by code: the search field says the commune of the
// state (after Back too), not the last one typed.
const communeNames = new Map();
function communeName(code) {
  return code ? communeNames.get(code) || "" : "";
}

// Looking at a commune is a new place: the listing opened elsewhere is closed. The user's
// position stays known (it is still true), the list is ordered from the view's centre.
async function chooseCommune(commune) {
  communeNames.set(commune.code, commune.name);
  state.commune = commune.code;
  state.b = null;
  commit({ push: true });
  syncPanel();
  await loadOutline(true);
}

async function loadOutline(fit, { history = false } = {}) {
  const code = state.commune;
  if (!code) {
    mapView.showOutline(null);
    return;
  }
  try {
    const feature = await getJSON(`communes/${code}/`);
    if (state.commune !== code) return; // Back or another choice meanwhile
    if (feature.properties.name) communeNames.set(code, feature.properties.name);
    if (history || document.activeElement !== communeInput) communeInput.value = communeName(code);
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

// The reference of distances and order: the user's position when it is in the view
// (then distances are shown), else the view's centre (order only).
function referenceOf(view) {
  if (state.me && mapView.contains(state.me)) return { point: state.me, kind: "me" };
  return { point: { lat: view.lat, lon: view.lon }, kind: "centre" };
}

async function refresh() {
  refreshController?.abort();
  refreshController = new AbortController();
  const { signal } = refreshController;
  const view = alignedView(mapView.map, config.searchBbox); // tiles.js: the same screen, the same URLs
  const reference = referenceOf(view);
  const detailed = view.z >= DETAIL_ZOOM;
  const filtered = filterCount() > 0;
  const bbox = view.bbox;
  if (!bbox) {
    results.render([], { total: 0, reference: reference.kind, filtered });
    mapView.clear();
    results.setStatus("Aucun commerce ici : Sauvons Noël couvre la Région Sud.");
    finishRefresh();
    return;
  }
  try {
    const [listing, clusters] = await Promise.all([
      getJSON("businesses/", requestParams("listing", { bbox, reference: reference.point, zoom: view.z }), signal),
      detailed ? null : getJSON("clusters/", requestParams("clusters", { bbox, zoom: view.z }), signal),
    ]);
    const features = listing.features.filter((f) => servicesMatch(state, f));
    // The request covers whole tiles (tiles.js) for the caches' sake: the list and its
    // count say what the screen shows (exactly when every match came back), while the
    // markers just off-screen are drawn all the same.
    const onScreen = features.filter((f) => f.geometry && mapView.contains(
      { lat: f.geometry.coordinates[1], lon: f.geometry.coordinates[0] }));
    if (reference.kind === "centre") {
      // Nearest first from the centre the resident sees (the request's is the aligned box's).
      const c = mapView.view();
      const cos = Math.cos((c.lat * Math.PI) / 180);
      const away = (f) => ((f.geometry.coordinates[0] - c.lon) * cos) ** 2 + (f.geometry.coordinates[1] - c.lat) ** 2;
      onScreen.sort((a, b) => away(a) - away(b));
    }
    const complete = listing.features.length >= listing.count;
    const total = complete || (state.delivery && state.pickup) ? onScreen.length : listing.count;
    results.render(onScreen.slice(0, LIST_SIZE), { total, reference: reference.kind, filtered });
    if (detailed) mapView.showMarkers(features);
    else mapView.showClusters(clusters.features);
    if (!onScreen.length) await showNearest(reference, filtered, signal);
    results.setSelected(state.b);
    finishRefresh();
    countsBbox = bbox;
    askCounts(signal);
  } catch (error) {
    if (error.name === "AbortError") return;
    const reasons = error.errors ? Object.values(error.errors).join(" ; ") : "";
    results.setStatus(`Les commerces n’ont pas pu être chargés${reasons ? ` : ${reasons}` : ""}. Réessayez.`);
    mapView.addTiles();
    finishRefresh({ rendered: false });
  }
}

// Nothing in the view: the nearest listings with the same filters, wherever they are.
async function showNearest(reference, filtered, signal) {
  let features = [];
  // Distances said « du centre de la carte » are from the centre the resident sees, not
  // the tile-aligned box's (a rare request: no cache to keep for it).
  const point = reference.kind === "me" ? reference.point : mapView.view();
  try {
    const data = await getJSON("businesses/", requestParams("nearest", { reference: point }), signal);
    features = data.features.filter((f) => servicesMatch(state, f));
  } catch (error) {
    if (error.name === "AbortError") throw error;
  }
  results.showNearest(features, { fromMe: reference.kind === "me", filtered });
}

// How many listings of each category the view holds, with the other filters: a chip with
// none is disabled (never a click into an empty map) and says 0. Every category, parents
// and leaves, in one request on the view's tile-aligned box (categories/counts/): the same
// screen asks the same URL, which shared caches answer. Asked only when the chips can be
// seen (a phone's filters sheet hides them until opened: the costliest request of a view
// for nothing, issue #19) and not yet answered for this view and these filters.
let countsBbox = null; // the box of the last view listed
let countedParams = null; // the request whose answer the chips say
let countsDone = 0;

function askCounts(signal) {
  if (!countsBbox || !filtersPanel.getClientRects().length) return; // display: none
  const params = requestParams("counts", { bbox: countsBbox });
  if (JSON.stringify(params) === countedParams) return;
  refreshCounts(params, signal);
}

async function refreshCounts(params, signal) {
  let counts = {};
  try {
    counts = (await getJSON("categories/counts/", params, signal)).categories;
    countedParams = JSON.stringify(params);
  } catch (error) {
    if (error.name === "AbortError") return;
    // Counts are a help: without them every chip stays usable.
    countedParams = null;
  }
  for (const chip of chips) {
    const found = counts[chip.dataset.category];
    const n = found && (found.count_exact ? found.count : `≈ ${numberText(found.count)}`);
    if (n === undefined) {
      delete chip.dataset.count;
      chip.querySelector(".chip-count").textContent = "";
    } else {
      chip.dataset.count = String(n);
      chip.querySelector(".chip-count").textContent = ` ${typeof n === "number" ? numberText(n) : n}`;
    }
    chip.disabled = n === 0 && chip.getAttribute("aria-pressed") !== "true";
  }
  countsDone += 1;
  document.body.dataset.counted = String(countsDone);
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
loadOutline(!sharedView);
syncPanel({ focus: false });
// The first listings are asked for at once, the tiles right after: on a phone a tile is
// the largest paint (LCP), it must not wait for the listings' answer. What can wait, two
// synchronous calls into the browser (the address bar, this tab's storage), comes next.
clearTimeout(refreshTimer);
refresh();
mapView.addTiles();
setTimeout(() => {
  commit({ push: false }); // written without `moi=` even when the link had one (state.js)
  state.me = loadPosition();
  if (!state.me) return;
  mapView.showUser(state.me);
  scheduleRefresh(0); // ordered from the user when in view
});
