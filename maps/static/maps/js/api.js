// The public API (/api/v1/): one fetch helper, the filter parameters, and a tally of the
// features received (the page must never hold more than a few hundred at once).

const config = JSON.parse(document.getElementById("sn-config").textContent);
export { config };

export const stats = { requests: 0, featuresReceived: 0, largestResponse: 0 };

export class ApiError extends Error {
  constructor(status, errors) {
    super(`API ${status}`);
    this.status = status;
    this.errors = errors || {};
  }
}

export async function getJSON(path, params = {}, signal = undefined) {
  const url = new URL(config.api + path, window.location.origin);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  const response = await fetch(url, { signal, headers: { Accept: "application/json" } });
  stats.requests += 1;
  if (!response.ok) {
    let body = {};
    try {
      body = await response.json();
    } catch {
      /* not JSON: keep the status */
    }
    throw new ApiError(response.status, body.errors);
  }
  const data = await response.json();
  if (data && Array.isArray(data.features)) {
    stats.featuresReceived += data.features.length;
    stats.largestResponse = Math.max(stats.largestResponse, data.features.length);
  }
  return data;
}

// The API takes one service at a time: with both toggles on, it filters on delivery and
// the page keeps the listings that also offer pickup (see servicesMatch).
export function filterParams(state) {
  return {
    category: state.cat.join(","),
    q: state.q.trim().length >= 2 ? state.q.trim() : "",
    open_now: state.open ? "true" : "",
    service: state.delivery ? "delivery" : state.pickup ? "pickup" : "",
  };
}

export function servicesMatch(state, feature) {
  const p = feature.properties;
  return (!state.delivery || p.offers_delivery) && (!state.pickup || p.offers_pickup);
}

export const lonlat = (point) => `${point.lon.toFixed(6)},${point.lat.toFixed(6)}`;
