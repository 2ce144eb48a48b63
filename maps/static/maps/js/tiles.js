// The map's view as grid-aligned request parameters: the same screen always asks the same
// URLs, whoever looks at it and wherever they panned from, so that a shared cache (nginx,
// deploy/) and the server's own response cache (geo_directory/caching.py) answer repeats.
//
// The view's bounds are widened to the Web Mercator tiles (256 px, 2^z a side) of the current zoom that
// cover them, clipped to where listings can be (config.searchBbox: constant edges), and
// written with 5 decimals (about 1 m); the reference point of a view without "autour de
// moi" is the centre of that box, with 6 decimals. A view within the same tiles asks the
// same box; the listings just outside the screen that it adds are drawn off-screen.
// bench/loadtest.py (grid_view) computes the same boxes for its residents' visits.

const tileX = (lon, z) => ((lon + 180) / 360) * 2 ** z;
const lonOf = (x, z) => (x / 2 ** z) * 360 - 180;

function tileY(lat, z) {
  const phi = (lat * Math.PI) / 180;
  return ((1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2) * 2 ** z;
}

function latOf(y, z) {
  return (Math.atan(Math.sinh(Math.PI - (2 * Math.PI * y) / 2 ** z)) * 180) / Math.PI;
}

// [west, south, east, north] of the view at whole zoom `z` → the grid-aligned box clipped
// to `searchBbox` as "minlon,minlat,maxlon,maxlat" (5 decimals), or null when the tiles
// lie entirely outside it.
export function gridBbox([west, south, east, north], z, searchBbox) {
  const [sw, ss, se, sn] = searchBbox;
  const box = [
    Math.max(lonOf(Math.floor(tileX(west, z)), z), sw),
    Math.max(latOf(Math.ceil(tileY(south, z)), z), ss),
    Math.min(lonOf(Math.ceil(tileX(east, z)), z), se),
    Math.min(latOf(Math.floor(tileY(north, z)), z), sn),
  ];
  if (box[0] >= box[2] || box[1] >= box[3]) return null;
  return box.map((v) => v.toFixed(5)).join(",");
}

// The view of a Leaflet map, aligned: { lat, lon } the centre of the aligned box (rounded:
// the listings' reference point), z the zoom, bbox the aligned box (null: nothing there).
export function alignedView(map, searchBbox) {
  const z = Math.round(map.getZoom());
  const b = map.getBounds();
  const bbox = gridBbox([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], z, searchBbox);
  if (!bbox) {
    const c = map.getCenter();
    return { lat: c.lat, lon: c.lng, z, bbox };
  }
  const [w, s, e, n] = bbox.split(",").map(Number);
  return { lat: Number(((s + n) / 2).toFixed(6)), lon: Number(((w + e) / 2).toFixed(6)), z, bbox };
}
