// The page state and its URL: centre, zoom, filters, selected business, user position.
// ?c=lat,lon&z=13&cat=boulangerie,fleuriste&q=paul&ouvert=1&livraison=1&emporter=1
//  &b=42&moi=lat,lon&commune=13055

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
  const me = pair(params.get("moi"));
  state.me = me ? { lat: me[0], lon: me[1] } : null;
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
  if (state.me) params.set("moi", `${state.me.lat.toFixed(5)},${state.me.lon.toFixed(5)}`);
  if (state.commune) params.set("commune", state.commune);
  const query = params.toString().replaceAll("%2C", ",");
  return query ? `?${query}` : window.location.pathname;
}
