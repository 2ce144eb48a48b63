/* Merchants' pin editor: geocode the address through /geocodage/, drag the pin to the
 * door, reverse-geocode it through /geocodage/inverse/ to fill the address back.
 * The server re-derives the commune and refuses a pin outside the region. */
(function () {
  "use strict";
  var el = function (id) { return document.getElementById(id); };
  var mapDiv = el("pin-map");
  if (!mapDiv || typeof L === "undefined") { return; }

  var lon = el("id_lon"), lat = el("id_lat");
  var precision = el("id_pin_precision"), score = el("id_pin_score");
  var statusBox = el("pin-status");
  var zoneField = el("id_delivery_zone_geojson");

  var map = L.map(mapDiv, { zoomControl: true });
  window.pinEditorMap = map;
  L.tileLayer(mapDiv.dataset.tileUrl, {
    maxZoom: 19,
    attribution: "&copy; contributeurs OpenStreetMap"
  }).addTo(map);
  var icon = L.divIcon({ className: "pin-icon", iconSize: [22, 22], iconAnchor: [11, 22] });
  var marker = null;

  function status(text, kind) {
    statusBox.textContent = text;
    statusBox.className = "pin-status" + (kind ? " " + kind : "");
  }

  function setFields(latlng) {
    lon.value = latlng.lng.toFixed(7);
    lat.value = latlng.lat.toFixed(7);
  }

  function placeMarker(latlng, zoom) {
    if (!marker) {
      marker = L.marker(latlng, { draggable: true, icon: icon, title: "Position du commerce" });
      marker.addTo(map);
      marker.on("dragend", function () { moved(marker.getLatLng()); });
      window.pinEditorMarker = marker;
    } else {
      marker.setLatLng(latlng);
    }
    map.setView(latlng, zoom || Math.max(map.getZoom(), 17));
  }

  function moved(latlng) {
    setFields(latlng);
    precision.value = "manual";
    score.value = "";
    status("Vérification de la position…");
    var url = "/geocodage/inverse/?lon=" + latlng.lng.toFixed(7) + "&lat=" + latlng.lat.toFixed(7);
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (d) { return { ok: r.ok, status: r.status, data: d }; }); })
      .then(function (res) {
        if (res.status === 422) {
          status("Position refusée : ce point est hors de la Région Sud. Replacez l'épingle sur votre commerce.", "refused");
          return;
        }
        if (!res.ok) { status(res.data.error || "Position non vérifiée.", "warning"); return; }
        var d = res.data;
        if (d.label && d.street) {
          el("id_street").value = d.street;
          if (d.postcode) { el("id_postcode").value = d.postcode; }
        }
        if (d.commune) { el("id_city").value = d.commune; }
        status("Épingle placée" + (d.label ? " près de « " + d.label + " »" : "") +
               " (" + d.commune + "). Enregistrez pour valider.");
      })
      .catch(function () { status("Position enregistrée ; l'adresse n'a pas pu être vérifiée.", "warning"); });
  }

  function locate() {
    var q = [el("id_street").value, el("id_postcode").value, el("id_city").value]
      .filter(function (s) { return s && s.trim(); }).join(" ");
    if (q.trim().length < 3) { status("Saisissez d'abord l'adresse.", "warning"); return; }
    status("Recherche de l'adresse…");
    var url = "/geocodage/?q=" + encodeURIComponent(q);
    var pc = el("id_postcode").value.trim();
    if (/^\d{5}$/.test(pc)) { url += "&postcode=" + pc; }
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (d) { return { ok: r.ok, data: d }; }); })
      .then(function (res) {
        if (!res.ok) { status(res.data.error || "Adresse introuvable.", "refused"); return; }
        var d = res.data;
        var latlng = L.latLng(d.lat, d.lon);
        placeMarker(latlng, d.precision === "municipality" ? 14 : 18);
        setFields(latlng);
        precision.value = d.precision;
        score.value = d.score;
        if (d.needs_review) {
          status("Position approximative (« " + d.label + " ») : glissez l'épingle sur votre commerce, sinon un modérateur la vérifiera.", "warning");
        } else {
          status("Adresse trouvée : « " + d.label + " ». Glissez l'épingle exactement sur la porte de votre commerce, puis enregistrez.");
        }
      })
      .catch(function () { status("Le service de géocodage ne répond pas : placez l'épingle à la main.", "warning"); });
  }

  el("pin-locate").addEventListener("click", locate);

  // Delivery zone drawn on the map (a polygon, vertices added by clicks).
  var drawing = false, vertices = [], zoneLayer = null;
  function showZone() {
    if (zoneLayer) { map.removeLayer(zoneLayer); zoneLayer = null; }
    if (vertices.length >= 2) {
      zoneLayer = L.polygon(vertices, { color: "#36506b" }).addTo(map);
    }
    if (vertices.length >= 3) {
      var ring = vertices.map(function (p) { return [p.lng, p.lat]; });
      ring.push(ring[0]);
      zoneField.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
    } else {
      zoneField.value = "";
    }
  }
  if (zoneField && zoneField.value) {
    try {
      var g = JSON.parse(zoneField.value);
      vertices = g.coordinates[0].slice(0, -1).map(function (c) { return L.latLng(c[1], c[0]); });
      showZone();
    } catch (e) { zoneField.value = ""; }
  }
  el("zone-draw").addEventListener("click", function () {
    drawing = !drawing;
    this.textContent = drawing ? "Terminer la zone" : "Dessiner la zone de livraison sur la carte";
    if (drawing) { vertices = []; showZone(); status("Cliquez sur la carte pour tracer la zone de livraison."); }
  });
  el("zone-clear").addEventListener("click", function () { vertices = []; showZone(); });

  map.on("click", function (e) {
    if (drawing) { vertices.push(e.latlng); showZone(); return; }
    // A click moves the pin too (touch screens, or no drag at hand).
    placeMarker(e.latlng, map.getZoom());
    moved(e.latlng);
  });

  if (lon.value && lat.value) {
    placeMarker(L.latLng(parseFloat(lat.value), parseFloat(lon.value)), 18);
  } else {
    map.setView([43.95, 6.05], 8);  // Région Sud
  }
})();
