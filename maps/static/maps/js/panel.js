// The detail panel of one listing: address, phone, hours in words, services, directions,
// "Commander" when it takes orders. Escape or the close button closes it.

import { addressText, escapeHtml, servicesText } from "./format.js";
import { hoursLines } from "./hours.js";

function directionsUrl(lat, lon, from) {
  const origin = from ? `${from.lat.toFixed(5)},${from.lon.toFixed(5)}` : "";
  return `https://www.openstreetmap.org/directions?route=${origin};${lat.toFixed(5)},${lon.toFixed(5)}`;
}

export class DetailPanel {
  constructor(element, body, closeButton, handlers) {
    this.element = element;
    this.body = body;
    this.handlers = handlers; // { close() }
    this.id = null;
    closeButton.addEventListener("click", () => this.handlers.close());
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !this.element.hidden) {
        const combobox = document.activeElement?.getAttribute("role") === "combobox";
        if (!combobox) this.handlers.close();
      }
    });
  }

  showLoading(id) {
    this.id = id;
    this.element.hidden = false;
    this.body.innerHTML = '<p id="detail-title">Chargement de la fiche…</p>';
  }

  showError(id) {
    this.id = id;
    this.element.hidden = false;
    this.body.innerHTML = '<h2 id="detail-title">Fiche introuvable</h2><p>Ce commerce n’est plus référencé.</p>';
  }

  show(feature, { me = null, focus = true } = {}) {
    const p = feature.properties;
    const [lon, lat] = feature.geometry.coordinates;
    const hours = hoursLines(p);
    const services = servicesText(p);
    const open = p.open_now === true ? '<p class="badge badge-open">Ouvert maintenant</p>'
      : p.open_now === false ? '<p class="badge badge-closed">Fermé en ce moment</p>' : "";
    const website = p.website && /^https?:\/\//.test(p.website)
      ? `<li>Site : <a href="${escapeHtml(p.website)}" rel="noopener" target="_blank">${escapeHtml(p.website.replace(/^https?:\/\/(www\.)?/, ""))}<span class="visually-hidden"> (nouvelle fenêtre)</span></a></li>` : "";
    this.id = feature.id;
    this.body.innerHTML = `
      <h2 id="detail-title" tabindex="-1">${escapeHtml(p.name)}</h2>
      <p class="detail-category">${escapeHtml(p.category_label || p.category)}</p>
      ${open}
      <h3>Adresse</h3>
      <p class="detail-address">${escapeHtml(addressText(p)) || "Adresse non renseignée"}</p>
      <ul class="detail-contact">
        ${p.phone ? `<li>Téléphone : <a href="tel:${escapeHtml(p.phone.replace(/\s/g, ""))}">${escapeHtml(p.phone)}</a></li>` : ""}
        ${p.email ? `<li>Courriel : <a href="mailto:${escapeHtml(p.email)}">${escapeHtml(p.email)}</a></li>` : ""}
        ${website}
      </ul>
      <h3>Horaires</h3>
      ${hours.length ? `<ul class="detail-hours">${hours.map((h) => `<li>${escapeHtml(h)}</li>`).join("")}</ul>` : "<p>Horaires non renseignés.</p>"}
      <h3>Services</h3>
      <p class="detail-services">${services.length ? services.join(" · ") : "Ni retrait ni livraison indiqués"}</p>
      ${p.description ? `<p class="detail-description">${escapeHtml(p.description)}</p>` : ""}
      <p class="detail-actions">
        <a class="button" href="${directionsUrl(lat, lon, me)}" rel="noopener" target="_blank">Itinéraire<span class="visually-hidden"> vers ${escapeHtml(p.name)} sur OpenStreetMap (nouvelle fenêtre)</span></a>
        <a class="button button-secondary" href="geo:${lat.toFixed(6)},${lon.toFixed(6)}">Ouvrir dans une application GPS</a>
        ${p.takes_orders ? `<a class="button button-primary" href="/commerces/${feature.id}/commander/">Commander</a>` : ""}
      </p>`;
    this.element.hidden = false;
    if (focus) this.body.querySelector("#detail-title").focus();
  }

  hide() {
    this.id = null;
    this.element.hidden = true;
    this.body.innerHTML = "";
  }
}
