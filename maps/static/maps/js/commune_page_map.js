// The commune page: its boundary and its listings on a map. The list itself is in the
// HTML (rendered by the server), so the page reads the same without JavaScript.

/* global L */

import { textNode } from "./dom.js";

const config = JSON.parse(document.getElementById("sn-config").textContent);
const boundary = JSON.parse(document.getElementById("sn-boundary").textContent);
const points = JSON.parse(document.getElementById("sn-points").textContent);

const map = L.map("commune-map", { keyboard: true });
map.attributionControl.setPrefix(false);
const outline = L.geoJSON(boundary, {
  style: { color: "#1565c0", weight: 2, fillOpacity: 0.06 },
  interactive: false,
}).addTo(map);
if (boundary.geometry) map.fitBounds(outline.getBounds(), { animate: false });
else map.fitBounds(config.regionBounds);

for (const point of points) {
  const marker = L.circleMarker([point.lat, point.lon], {
    radius: 7, weight: 2, color: "#fff", fillColor: "#b3261e", fillOpacity: 0.9,
    className: "sn-marker",
  }).bindTooltip(textNode(point.name)).addTo(map);
  const card = document.getElementById(`commerce-${point.id}`);
  marker.getElement()?.setAttribute("data-id", String(point.id));
  marker.on("click", () => {
    card?.scrollIntoView({ block: "nearest" });
    card?.querySelector("a")?.focus({ preventScroll: true });
  });
  marker.on("mouseover", () => card?.classList.add("is-active"));
  marker.on("mouseout", () => card?.classList.remove("is-active"));
  card?.addEventListener("mouseenter", () => marker.setStyle({ fillColor: "#ffb300", radius: 10 }));
  card?.addEventListener("mouseleave", () => marker.setStyle({ fillColor: "#b3261e", radius: 7 }));
}
L.tileLayer(config.tileUrl, { maxZoom: 19, attribution: config.tileAttribution }).addTo(map);
document.body.dataset.ready = "true";
