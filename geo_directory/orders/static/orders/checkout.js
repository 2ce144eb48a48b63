// Checkout: pickup or delivery, the door placed on a map (or the browser position).
// A module (deferred like the classic Leaflet script before it, which it finds as `L`);
// text-only nodes from the residents' map's dom.js (imported by its unhashed name, as
// home.js imports it: collectstatic hashes this file's name but not its imports).

import { el, textNode } from "../maps/js/dom.js";

const form = document.getElementById("checkout-form");
const radios = form.querySelectorAll("input[name=fulfilment]");
const slotSelect = form.querySelector("select[name=slot]");
const deliveryFields = document.getElementById("delivery-fields");
const lon = form.querySelector("input[name=lon]");
const lat = form.querySelector("input[name=lat]");
const status = document.getElementById("point-status");
const zoneText = JSON.parse(document.getElementById("delivery-zone").textContent);
const zone = zoneText ? JSON.parse(zoneText) : null;
const mapElement = document.getElementById("delivery-map");
const home = [parseFloat(mapElement.dataset.lat), parseFloat(mapElement.dataset.lon)];
const answer = document.getElementById("zone-answer");
let map = null, marker = null, zoneBounds = null, asked = null;

// Leaflet guesses its default icon's URL from its stylesheet, which hashed static names
// break: the icon is given from the template's static URLs.
const pin = L.icon({
  iconUrl: mapElement.dataset.icon,
  iconRetinaUrl: mapElement.dataset.icon2x,
  shadowUrl: mapElement.dataset.shadow,
  iconSize: [25, 41], iconAnchor: [12, 41], popupAnchor: [1, -34], shadowSize: [41, 41]
});

function choosePickup() {
  const radio = form.querySelector("input[name=fulfilment][value=pickup]");
  if (radio) { radio.checked = true; refresh(); radio.focus(); }
}

// « Livrez-vous chez moi ? » as soon as the door is placed, not after « Confirmer ».
function showAnswer(data) {
  answer.replaceChildren();
  answer.className = data.delivers ? "zone-ok" : "zone-out";
  answer.append(el("p", {}, data.message));
  if (data.delivers) return;
  if (data.pickup) {
    const button = el("button", { type: "button", class: "secondary" }, "Choisir le retrait au commerce");
    button.addEventListener("click", choosePickup);
    answer.append(button);
  }
  if (data.alternatives.length) {
    answer.append(
      el("p", {}, "Ces commerces livrent à cette adresse :"),
      el("ul", {}, data.alternatives.map((other) => el(
        "li", {},
        el("a", { href: other.url }, other.name),
        " — " + other.category + (other.commune ? ", " + other.commune : ""),
      ))),
    );
  } else if (!data.pickup) {
    answer.append(el("p", {}, "Aucun autre commerce ne livre encore à cette adresse."));
  }
}

function check(latlng) {
  const point = latlng.lng.toFixed(6) + "," + latlng.lat.toFixed(6);
  if (point === asked) return;
  asked = point;
  const url = new URL(mapElement.dataset.checkUrl, window.location.origin);
  url.searchParams.set("point", point);
  fetch(url, {headers: {Accept: "application/json"}})
    .then(function (response) { return response.json(); })
    .then(function (data) {
      if (asked !== point) return;  // the pin moved again meanwhile
      if (data.errors) { answer.replaceChildren(el("p", {}, data.errors.point)); return; }
      showAnswer(data);
    })
    .catch(function () { answer.replaceChildren(el("p", {}, "Zone de livraison non vérifiée : elle le sera à la confirmation.")); });
}

function place(latlng) {
  if (marker) { marker.setLatLng(latlng); }
  else {
    marker = L.marker(latlng, {draggable: true, icon: pin, alt: "Votre porte"}).addTo(map);
    marker.on("dragend", function () { place(marker.getLatLng()); });
  }
  lon.value = latlng.lng.toFixed(6);
  lat.value = latlng.lat.toFixed(6);
  status.textContent = "Point placé : " + lat.value + ", " + lon.value;
  check(latlng);
}

function fitZone() {
  if (zoneBounds) map.fitBounds(zoneBounds, {padding: [16, 16]});
}

function ensureMap() {
  if (map) { map.invalidateSize(); return; }
  map = L.map("delivery-map").setView(home, 13);
  L.tileLayer(JSON.parse(document.getElementById("tile-url").textContent), {
    maxZoom: 19, attribution: "© contributeurs OpenStreetMap"
  }).addTo(map);
  if (zone) {
    const layer = L.geoJSON(zone, {style: {color: "#0b5d3b", weight: 2, fillOpacity: 0.08}}).addTo(map);
    zoneBounds = layer.getBounds().extend(home);
    fitZone();
    // The form's width changes as it fills in (a slot chosen, an error shown): the whole
    // zone stays in view until the resident places the door.
    if (window.ResizeObserver) {
      new ResizeObserver(function () { map.invalidateSize(); if (!marker) fitZone(); }).observe(mapElement);
    }
  }
  // The shop's name as text: a string given to Leaflet is HTML.
  L.circleMarker(home, {radius: 6, color: "#a40000"}).addTo(map).bindTooltip(textNode(mapElement.dataset.name));
  map.on("click", function (e) { place(e.latlng); });
  if (lon.value && lat.value) { place(L.latLng(parseFloat(lat.value), parseFloat(lon.value))); }
}

function mode() {
  const checked = form.querySelector("input[name=fulfilment]:checked");
  return checked ? checked.value : null;
}

function refresh() {
  const m = mode();
  deliveryFields.hidden = m !== "delivery";
  if (m === "delivery") { ensureMap(); }
  for (const option of slotSelect.options) {
    if (!option.value) continue;
    option.hidden = option.disabled = m !== null && option.dataset.kind !== m;
    if (option.disabled && option.selected) { slotSelect.value = ""; }
  }
}

document.getElementById("locate-me").addEventListener("click", function () {
  if (!navigator.geolocation) { status.textContent = "Géolocalisation indisponible."; return; }
  navigator.geolocation.getCurrentPosition(function (pos) {
    const ll = L.latLng(pos.coords.latitude, pos.coords.longitude);
    place(ll); map.setView(ll, 16);
  }, function () { status.textContent = "Position refusée : placez votre porte sur la carte."; });
});
radios.forEach(function (r) { r.addEventListener("change", refresh); });
refresh();
