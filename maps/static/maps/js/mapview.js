// The Leaflet map: tiles (the only external resource; the page works without them),
// server-side clusters when zoomed out, one circle per listing when zoomed in, the
// highlight shared with the list, the user's position and a commune outline.

/* global L */

import { textNode } from "./dom.js";
import { plural } from "./format.js";

export const DETAIL_ZOOM = 13;

const STYLE = { radius: 7, weight: 2, color: "#fff", fillColor: "#b3261e", fillOpacity: 0.9 };
const ACTIVE = { radius: 11, weight: 3, color: "#111", fillColor: "#ffb300", fillOpacity: 1 };

export class MapView {
  constructor(element, config, handlers) {
    this.handlers = handlers; // { hover(id|null), select(id), moved() }
    this.searchBbox = config.searchBbox;
    this.map = L.map(element, { zoomControl: false, minZoom: 6, maxZoom: 19, keyboard: true });
    L.control.zoom({ position: "topright", zoomInTitle: "Zoomer", zoomOutTitle: "Dézoomer" })
      .addTo(this.map);
    this.map.attributionControl.setPrefix(false);
    this.tiles = L.tileLayer(config.tileUrl, {
      maxZoom: 19,
      attribution: config.tileAttribution,
      crossOrigin: true,
    });
    this.layer = L.layerGroup().addTo(this.map);
    this.extras = L.layerGroup().addTo(this.map);
    this.markers = new Map();
    this.features = new Map();
    this.activeId = null;
    this.halo = null;
    this.map.on("moveend", () => this.handlers.moved());
  }

  // Tiles: asked for by home.js right after the first listings.
  addTiles() {
    if (!this.map.hasLayer(this.tiles)) this.tiles.addTo(this.map);
  }

  view() {
    const c = this.map.getCenter();
    return { lat: c.lat, lon: c.lng, z: this.map.getZoom() };
  }

  // The view as "minlon,minlat,maxlon,maxlat", clipped to where listings can be; null
  // when the view is entirely elsewhere.
  bbox() {
    const b = this.map.getBounds();
    const [west, south, east, north] = this.searchBbox;
    const box = [
      Math.max(b.getWest(), west), Math.max(b.getSouth(), south),
      Math.min(b.getEast(), east), Math.min(b.getNorth(), north),
    ];
    if (box[0] >= box[2] || box[1] >= box[3]) return null;
    return box.map((v) => v.toFixed(5)).join(",");
  }

  contains(point) {
    return this.map.getBounds().contains([point.lat, point.lon]);
  }

  clear() {
    this.layer.clearLayers();
    this.markers.clear();
    this.features.clear();
  }

  showMarkers(features) {
    this.clear();
    for (const feature of features) {
      const [lon, lat] = feature.geometry.coordinates;
      const marker = L.circleMarker([lat, lon], { ...STYLE, className: "sn-marker" })
        .bindTooltip(textNode(feature.properties.name), { direction: "top", offset: [0, -6] });
      marker.on("mouseover", () => this.handlers.hover(feature.id));
      marker.on("mouseout", () => this.handlers.hover(null));
      marker.on("click", () => this.handlers.select(feature.id));
      marker.addTo(this.layer);
      marker.getElement()?.setAttribute("data-id", String(feature.id));
      this.markers.set(feature.id, marker);
      this.features.set(feature.id, feature);
    }
    this.highlight(this.activeId, this.activeFeature);
  }

  showClusters(features) {
    this.clear();
    for (const feature of features) {
      const [lon, lat] = feature.geometry.coordinates;
      const count = feature.properties.count;
      if (count === 1 && feature.properties.id) {
        const single = { ...feature, id: feature.properties.id };
        const marker = L.circleMarker([lat, lon], { ...STYLE, className: "sn-marker" })
          .bindTooltip(textNode(feature.properties.name), { direction: "top" });
        marker.on("click", () => this.handlers.select(single.id));
        marker.on("mouseover", () => this.handlers.hover(single.id));
        marker.on("mouseout", () => this.handlers.hover(null));
        marker.addTo(this.layer);
        marker.getElement()?.setAttribute("data-id", String(single.id));
        this.markers.set(single.id, marker);
        continue;
      }
      // A touch target: never under 44 px, larger as the count grows.
      const size = Math.max(44, Math.round(28 + Math.min(24, Math.log2(count) * 4)));
      const label = `${plural(count, "commerce", "commerces")} ici : zoomer`;
      const marker = L.marker([lat, lon], {
        icon: L.divIcon({
          className: "sn-cluster",
          html: textNode(count),
          iconSize: [size, size],
        }),
        title: label,
        alt: label,
        keyboard: true,
      });
      marker.on("click", () => {
        const zoom = Math.min(this.map.getZoom() + 2, DETAIL_ZOOM + 1);
        this.map.setView([lat, lon], zoom);
      });
      marker.addTo(this.layer);
      marker.getElement()?.setAttribute("aria-label", label);
    }
    this.highlight(this.activeId, this.activeFeature);
  }

  // The listing under the pointer or the keyboard focus (null: none). `feature` places a
  // halo when the listing has no marker of its own (inside a cluster).
  highlight(id, feature = null) {
    if (this.activeId && this.markers.has(this.activeId)) {
      this.markers.get(this.activeId).setStyle(STYLE).setRadius(STYLE.radius);
      this.markers.get(this.activeId).getElement()?.classList.remove("is-active");
    }
    if (this.halo) {
      this.extras.removeLayer(this.halo);
      this.halo = null;
    }
    this.activeId = id;
    this.activeFeature = feature;
    if (!id) return;
    const marker = this.markers.get(id);
    if (marker) {
      marker.setStyle(ACTIVE).setRadius(ACTIVE.radius).bringToFront();
      marker.getElement()?.classList.add("is-active");
    } else if (feature) {
      const [lon, lat] = feature.geometry.coordinates;
      this.halo = L.circleMarker([lat, lon], { ...ACTIVE, className: "sn-halo", interactive: false })
        .addTo(this.extras);
    }
  }

  // Pan just enough that the listing is not hidden under `cover` (the detail panel).
  reveal(feature, cover) {
    const [lon, lat] = feature.geometry.coordinates;
    const map = this.map.getContainer().getBoundingClientRect();
    const panel = cover.getBoundingClientRect();
    const margin = 24;
    // Beside the map's left edge (a wide screen) or across its bottom (a phone's sheet).
    const side = panel.right < map.right - 4 * margin && panel.width < map.width * 0.6;
    const options = side
      ? { paddingTopLeft: [Math.max(0, panel.right - map.left) + margin, margin] }
      : { paddingBottomRight: [margin, Math.max(0, map.bottom - panel.top) + margin] };
    this.map.panInside([lat, lon], { ...options, animate: false });
  }

  showUser(me) {
    if (this.user) this.extras.removeLayer(this.user);
    this.user = null;
    if (!me) return;
    this.user = L.circleMarker([me.lat, me.lon], {
      radius: 8, weight: 3, color: "#fff", fillColor: "#1565c0", fillOpacity: 1,
      className: "sn-user", interactive: false,
    }).addTo(this.extras);
  }

  showOutline(geometry) {
    if (this.outline) this.extras.removeLayer(this.outline);
    this.outline = null;
    if (!geometry) return;
    this.outline = L.geoJSON(geometry, {
      style: { color: "#1565c0", weight: 2, fill: true, fillOpacity: 0.04, dashArray: "6 4" },
      interactive: false,
    }).addTo(this.extras);
  }

  fitPoints(latlngs, maxZoom = 16) {
    const bounds = L.latLngBounds(latlngs);
    this.map.fitBounds(bounds.pad(0.15), { maxZoom, animate: false });
  }

  fitBbox([minLon, minLat, maxLon, maxLat]) {
    this.map.fitBounds([[minLat, minLon], [maxLat, maxLon]], { animate: false });
  }

  setView(lat, lon, z) {
    this.map.setView([lat, lon], z, { animate: false });
  }

  fitRegion(bounds) {
    this.map.fitBounds(bounds, { animate: false });
  }
}
