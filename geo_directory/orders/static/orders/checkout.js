// Checkout: pickup or delivery, the door placed on a map (or the browser position).
(function () {
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
  let map = null, marker = null;

  function place(latlng) {
    if (marker) { marker.setLatLng(latlng); }
    else {
      marker = L.marker(latlng, {draggable: true}).addTo(map);
      marker.on("dragend", function () { place(marker.getLatLng()); });
    }
    lon.value = latlng.lng.toFixed(6);
    lat.value = latlng.lat.toFixed(6);
    status.textContent = "Point placé : " + lat.value + ", " + lon.value;
  }

  function ensureMap() {
    if (map) { map.invalidateSize(); return; }
    map = L.map("delivery-map").setView(home, 13);
    L.tileLayer(JSON.parse(document.getElementById("tile-url").textContent), {
      maxZoom: 19, attribution: "© contributeurs OpenStreetMap"
    }).addTo(map);
    if (zone) {
      const layer = L.geoJSON(zone, {style: {color: "#0b5d3b", weight: 2, fillOpacity: 0.08}}).addTo(map);
      map.fitBounds(layer.getBounds());
    }
    // The shop's name as text: a string given to Leaflet is HTML.
    const label = document.createElement("span");
    label.textContent = mapElement.dataset.name;
    L.circleMarker(home, {radius: 6, color: "#a40000"}).addTo(map).bindTooltip(label);
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
})();
