// The Leaflet map: tiles (the only external resource; the page works without them),
// server-side clusters when zoomed out, one circle per listing when zoomed in, the
// highlight shared with the list, the user's position and a commune outline.

/* global L */

import { textNode } from "./dom.js";
import { numberText, plural } from "./format.js";

export const DETAIL_ZOOM = 13;

const STYLE = { radius: 7, weight: 2, color: "#fff", fillColor: "#b3261e", fillOpacity: 0.9 };
const ACTIVE = { radius: 11, weight: 3, color: "#111", fillColor: "#ffb300", fillOpacity: 1 };
const TARGET = 44; // px: the smallest touch target (a cluster, a listing alone in its cell)
const GAP = 4; // px between two targets' boxes, rounding and borders included

// A cluster's drawn size: never under TARGET, larger as the count grows, and room for
// its count written as its accessible name says it (« 1 007 »: the label must hold it).
const countText = numberText;
const clusterSize = (count) => Math.max(
  TARGET,
  Math.round(28 + Math.min(24, Math.log2(count) * 4)),
  14 + 9 * countText(count).length,
);

// The server's clusters (GeoJSON points with properties.count, and id/name when alone)
// as the groups to draw: greedily, biggest first and in screen pixels at the map's zoom,
// every group whose box (axe and Lighthouse measure boxes, not circles) would come within
// GAP of a bigger one's is merged into it, at their count-weighted centre with the summed
// count, until no two are that close. Members keep the original points (the click's extent).
function spread(map, features) {
  const z = map.getZoom();
  const at = (g) => map.project([g.lat, g.lon], z);
  let groups = features.map((f) => {
    const [lon, lat] = f.geometry.coordinates;
    const count = f.properties.count;
    const single = count === 1 && f.properties.id ? f : null;
    const g = { lat, lon, count, single, members: [[lat, lon]] };
    return { ...g, p: at(g), size: single ? TARGET : clusterSize(count) };
  });
  groups.sort((a, b) => b.count - a.count);
  const close = (a, b) => {
    const room = (a.size + b.size) / 2 + GAP;
    return Math.abs(a.p.x - b.p.x) < room && Math.abs(a.p.y - b.p.y) < room;
  };
  for (let merged = true; merged;) {
    merged = false;
    const kept = [];
    for (const g of groups) {
      const into = kept.find((k) => close(k, g));
      if (!into) {
        kept.push(g);
        continue;
      }
      const count = into.count + g.count;
      into.lat = (into.lat * into.count + g.lat * g.count) / count;
      into.lon = (into.lon * into.count + g.lon * g.count) / count;
      into.count = count;
      into.single = null;
      into.members.push(...g.members);
      into.p = at(into);
      into.size = clusterSize(count);
      merged = true;
    }
    groups = kept;
  }
  return groups;
}

// A listing's marker (a circle, or a single's target styled by CSS) as active or not.
function paint(marker, active) {
  if (marker.setStyle) {
    const style = active ? ACTIVE : STYLE;
    marker.setStyle(style).setRadius(style.radius);
    if (active) marker.bringToFront();
  } else {
    marker.setZIndexOffset(active ? 1000 : 0);
  }
  marker.getElement()?.classList.toggle("is-active", active);
}

export class MapView {
  constructor(element, config, handlers) {
    this.handlers = handlers; // { hover(id|null), select(id), moved() }
    this.searchBbox = config.searchBbox;
    // No tile fade-in: a tile (the phone's largest paint) shows the frame it arrives,
    // without 200 ms of animation frames on a busy main thread.
    this.map = L.map(element, {
      zoomControl: false, minZoom: 6, maxZoom: 19, keyboard: true, fadeAnimation: false,
    });
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
      this.track(marker, feature.id);
      this.features.set(feature.id, feature);
    }
    this.highlight(this.activeId, this.activeFeature);
  }

  // Zoomed out: the server's clusters, and the listings alone in their cell. Each is a
  // touch target of TARGET px at least, and no two targets' boxes come closer than GAP
  // (spread(): the server's cells are ~60 px, but a cluster sits at its listings' mean).
  showClusters(features) {
    this.clear();
    for (const group of spread(this.map, features)) {
      if (group.single) {
        this.addSingle(group.single, group.lat, group.lon);
        continue;
      }
      const { lat, lon, count, members } = group;
      const label = `${plural(count, "commerce", "commerces")} ici : zoomer`;
      const size = clusterSize(count);
      const marker = L.marker([lat, lon], {
        icon: L.divIcon({ className: "sn-cluster", html: textNode(countText(count)), iconSize: [size, size] }),
        title: label,
        alt: label,
        keyboard: true,
      });
      marker.on("click", () => this.zoomInto(lat, lon, members));
      marker.addTo(this.layer);
      marker.getElement()?.setAttribute("aria-label", label);
    }
    this.highlight(this.activeId, this.activeFeature);
  }

  // A listing alone in its cell: a dot in a transparent TARGET-px square (the list is its
  // keyboard route, as for the markers of showMarkers).
  addSingle(feature, lat, lon) {
    const id = feature.properties.id;
    const marker = L.marker([lat, lon], {
      icon: L.divIcon({ className: "sn-marker sn-single", iconSize: [TARGET, TARGET] }),
      keyboard: false,
    }).bindTooltip(textNode(feature.properties.name), { direction: "top", offset: [0, -10] });
    this.track(marker, id);
  }

  // A listing's marker on the map: hover and click shared with the list, found by its id.
  track(marker, id) {
    marker.on("mouseover", () => this.handlers.hover(id));
    marker.on("mouseout", () => this.handlers.hover(null));
    marker.on("click", () => this.handlers.select(id));
    marker.addTo(this.layer);
    marker.getElement()?.setAttribute("data-id", String(id));
    this.markers.set(id, marker);
  }

  // A cluster's click: a server cluster zooms in by two around itself; a merged one fits
  // its members' extent, one level in at least, so that they come apart.
  zoomInto(lat, lon, members) {
    const z = this.map.getZoom();
    const most = DETAIL_ZOOM + 1;
    if (members.length < 2) {
      this.map.setView([lat, lon], Math.min(z + 2, most));
      return;
    }
    const bounds = L.latLngBounds(members);
    const fit = this.map.getBoundsZoom(bounds, false, L.point(2 * TARGET, 2 * TARGET));
    this.map.setView(bounds.getCenter(), Math.min(Math.max(fit, z + 1), most));
  }

  // The listing under the pointer or the keyboard focus (null: none). `feature` places a
  // halo when the listing has no marker of its own (inside a cluster).
  highlight(id, feature = null) {
    if (this.activeId && this.markers.has(this.activeId)) {
      paint(this.markers.get(this.activeId), false);
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
      paint(marker, true);
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
