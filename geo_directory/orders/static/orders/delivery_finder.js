// « Qui livre chez moi ? »: a click on the map (or the browser position) sets the point.
(function () {
  const input = document.getElementById("point");
  const start = input.value ? input.value.split(",").map(Number) : null;
  const map = L.map("finder-map").setView(start ? [start[1], start[0]] : [43.70, 6.0], start ? 14 : 8);
  L.tileLayer(JSON.parse(document.getElementById("tile-url").textContent), {
    maxZoom: 19, attribution: "© contributeurs OpenStreetMap"
  }).addTo(map);
  if (start) { L.marker([start[1], start[0]]).addTo(map); }
  function go(latlng) {
    input.value = latlng.lng.toFixed(6) + "," + latlng.lat.toFixed(6);
    document.getElementById("finder-form").submit();
  }
  map.on("click", function (e) { go(e.latlng); });
  document.getElementById("locate-me").addEventListener("click", function () {
    if (!navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(function (pos) {
      go(L.latLng(pos.coords.latitude, pos.coords.longitude));
    });
  });
})();
