// The detail panel of one listing: its actions first (call, directions, « Commander » when
// it takes orders, its page), photos, address, hours in words, services. Escape or the
// close button closes it.

import { el } from "./dom.js";
import { addressText, servicesText } from "./format.js";
import { hoursLines } from "./hours.js";

const MAX_PHOTOS = 3; // the first photos; the shop's page has them all

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
    this.body.replaceChildren(el("p", { id: "detail-title" }, "Chargement de la fiche…"));
  }

  showError(id) {
    this.id = id;
    this.element.hidden = false;
    this.body.replaceChildren(
      el("h2", { id: "detail-title" }, "Fiche introuvable"),
      el("p", {}, "Ce commerce n’est plus référencé."),
    );
  }

  show(feature, { me = null, focus = true } = {}) {
    const p = feature.properties;
    const [lon, lat] = feature.geometry.coordinates;
    const hours = hoursLines(p);
    const services = servicesText(p);
    const newWindow = (text) => el("span", { class: "visually-hidden" }, text);
    // opening_status says when it opens next (« Fermé · ouvre demain à 8 h »); without it,
    // only what open_now knows.
    const status = typeof p.opening_status === "string" && p.opening_status.trim()
      ? el("p", { class: `detail-status badge ${p.open_now ? "badge-open" : "badge-closed"}` }, p.opening_status)
      : p.open_now === true ? el("p", { class: "detail-status badge badge-open" }, "Ouvert maintenant")
        : p.open_now === false ? el("p", { class: "detail-status badge badge-closed" }, "Fermé en ce moment") : null;
    const website = p.website && /^https?:\/\//.test(p.website)
      ? el("li", {}, "Site : ", el("a", { href: p.website, rel: "noopener", target: "_blank" },
        p.website.replace(/^https?:\/\/(www\.)?/, ""), newWindow(" (nouvelle fenêtre)"))) : null;
    const phone = p.phone ? p.phone.replace(/[^0-9+]/g, "") : "";
    const page = typeof p.url === "string" && p.url.startsWith("/") ? p.url : null;
    const photos = (Array.isArray(p.photos) ? p.photos : [])
      .filter((photo) => photo && typeof photo.src === "string").slice(0, MAX_PHOTOS);
    this.id = feature.id;
    // The actions first: on a phone they are on screen without scrolling the sheet.
    // el() children skip null, replaceChildren() would write it as "null".
    const parts = [
      el("h2", { id: "detail-title", tabindex: "-1" }, p.name),
      el("p", { class: "detail-category" }, p.category_label || p.category),
      status,
      el("p", { class: "detail-actions" },
        phone ? el("a", { class: "button", href: `tel:${phone}` }, "Appeler",
          el("span", { class: "visually-hidden" }, ` ${p.name} au ${p.phone}`)) : null,
        el("a", { class: "button", href: directionsUrl(lat, lon, me), rel: "noopener", target: "_blank" },
          "Itinéraire", newWindow(` vers ${p.name} sur OpenStreetMap (nouvelle fenêtre)`)),
        p.takes_orders ? el("a", { class: "button button-primary", href: `/commerces/${feature.id}/commander/` }, "Commander") : null,
        page ? el("a", { class: "button", href: page }, "Voir la fiche") : null),
      photos.length ? el("div", { class: "detail-photos" }, photos.map((photo) => el("img", {
        src: photo.src, srcset: photo.srcset || null, sizes: photo.srcset ? "12rem" : null,
        alt: photo.alt || "", width: photo.width || null, height: photo.height || null,
        loading: "lazy", decoding: "async",
      }))) : null,
      el("h3", {}, "Adresse"),
      el("p", { class: "detail-address" }, addressText(p) || "Adresse non renseignée"),
      el("p", {}, el("a", { class: "detail-gps", href: `geo:${lat.toFixed(6)},${lon.toFixed(6)}` },
        "Ouvrir dans une application GPS")),
      el("ul", { class: "detail-contact" },
        p.phone ? el("li", {}, "Téléphone : ", el("a", { href: `tel:${phone}` }, p.phone)) : null,
        p.email ? el("li", {}, "Courriel : ", el("a", { href: `mailto:${p.email}` }, p.email)) : null,
        website),
      el("h3", {}, "Horaires"),
      hours.length ? el("ul", { class: "detail-hours" }, hours.map((h) => el("li", {}, h)))
        : el("p", {}, "Horaires non renseignés."),
      el("h3", {}, "Services"),
      el("p", { class: "detail-services" }, services.length ? services.join(" · ") : "Ni retrait ni livraison indiqués"),
      p.description ? el("p", { class: "detail-description" }, p.description) : null,
    ];
    this.body.replaceChildren(...parts.filter(Boolean));
    this.element.hidden = false;
    this.element.scrollTop = 0;
    if (focus) this.body.querySelector("#detail-title").focus();
  }

  hide() {
    this.id = null;
    this.element.hidden = true;
    this.body.replaceChildren();
  }
}
