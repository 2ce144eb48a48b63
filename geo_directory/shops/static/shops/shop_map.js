// The shop page's small map: the shop's point and, if it delivers, its delivery zone.
// Everything else on the page (address, directions, hours) is in the HTML: the page reads
// the same without JavaScript.

/* global L */

const config = JSON.parse(document.getElementById("sn-config").textContent);
const shop = JSON.parse(document.getElementById("sn-shop").textContent);

const map = L.map("shop-map", { keyboard: true, scrollWheelZoom: false });
map.attributionControl.setPrefix(false);
const here = [shop.lat, shop.lon];
L.circleMarker(here, {
  radius: 9, weight: 2, color: "#fff", fillColor: "#b3261e", fillOpacity: 0.95,
  className: "sn-marker",
}).bindTooltip(document.createTextNode(shop.name)).addTo(map);
if (shop.zone) {
  const zone = L.geoJSON(shop.zone, {
    style: { color: "#1565c0", weight: 2, fillOpacity: 0.08 }, interactive: false,
  }).addTo(map);
  map.fitBounds(zone.getBounds(), { animate: false, padding: [8, 8] });
} else {
  map.setView(here, 16, { animate: false });
}
L.tileLayer(config.tileUrl, { maxZoom: 19, attribution: config.tileAttribution }).addTo(map);
document.body.dataset.ready = "true";
