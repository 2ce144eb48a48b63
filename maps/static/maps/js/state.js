// The page state and its URL: centre, zoom, filters, selected business, commune.
// ?c=lat,lon&z=13&cat=boulangerie,fleuriste&q=paul&ouvert=1&livraison=1&emporter=1
//  &b=42&commune=13055
//
// The user's position is part of the state but never of the URL: a shared link must not
// tell where its sender stands, nor put the sender's blue dot on someone else's map. It
// lives in this tab's sessionStorage (savePosition / loadPosition); the `moi=` of older
// links is ignored, and the first replaceState writes the URL without it.

export function emptyState() {
  return {
    lat: null, lon: null, z: null,
    cat: [], q: "", open: false, delivery: false, pickup: false,
    b: null, me: null, commune: null,
  };
}

function pair(text) {
  const parts = (text || "").split(",").map(Number);
  if (parts.length !== 2 || parts.some((n) => !Number.isFinite(n))) return null;
  return parts;
}

export function parseState(search) {
  const params = new URLSearchParams(search);
  const state = emptyState();
  const centre = pair(params.get("c"));
  const zoom = Number(params.get("z"));
  if (centre && Number.isFinite(zoom) && params.get("z")) {
    [state.lat, state.lon] = centre;
    state.z = Math.max(5, Math.min(19, Math.round(zoom)));
  }
  state.cat = (params.get("cat") || "").split(",").filter((s) => /^[a-z0-9-]+$/.test(s));
  state.q = params.get("q") || "";
  state.open = params.get("ouvert") === "1";
  state.delivery = params.get("livraison") === "1";
  state.pickup = params.get("emporter") === "1";
  const id = Number(params.get("b"));
  state.b = Number.isInteger(id) && id > 0 ? id : null;
  const commune = params.get("commune") || "";
  state.commune = /^[0-9AB]{5}$/.test(commune) ? commune : null;
  return state;
}

export function serializeState(state) {
  const params = new URLSearchParams();
  if (state.lat !== null) {
    params.set("c", `${state.lat.toFixed(5)},${state.lon.toFixed(5)}`);
    params.set("z", String(state.z));
  }
  if (state.cat.length) params.set("cat", state.cat.join(","));
  if (state.q) params.set("q", state.q);
  if (state.open) params.set("ouvert", "1");
  if (state.delivery) params.set("livraison", "1");
  if (state.pickup) params.set("emporter", "1");
  if (state.b) params.set("b", String(state.b));
  if (state.commune) params.set("commune", state.commune);
  const query = params.toString().replaceAll("%2C", ",");
  return query ? `?${query}` : window.location.pathname;
}

const POSITION_KEY = "sn:position";
const POSITION_MAX_AGE_MS = 30 * 60 * 1000; // a position older than this is no longer "here"

export function savePosition(me) {
  try {
    if (me) sessionStorage.setItem(POSITION_KEY, JSON.stringify({ ...me, at: Date.now() }));
    else sessionStorage.removeItem(POSITION_KEY);
  } catch {
    /* storage refused (private mode): the position stays in memory only */
  }
}

export function loadPosition() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(POSITION_KEY) || "null");
    const fresh = saved && Date.now() - saved.at < POSITION_MAX_AGE_MS;
    if (fresh && Number.isFinite(saved.lat) && Number.isFinite(saved.lon)) {
      return { lat: saved.lat, lon: saved.lon };
    }
  } catch {
    /* unreadable: no position */
  }
  return null;
}
