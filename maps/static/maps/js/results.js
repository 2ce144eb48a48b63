// The list beside the map (a bottom sheet on a phone): every listing of the view as a
// button, nearest first, and when the view has none the nearest outside it. It is the full
// alternative to the map for keyboard and screen-reader users.

import { el } from "./dom.js";
import { addressText, distanceText, plural, servicesText } from "./format.js";

export class ResultsList {
  constructor(list, status, handlers, more = null) {
    this.list = list;
    this.more = more; // where the nearest listings go when the view has none
    this.status = status;
    this.handlers = handlers; // { hover(id|null), select(id), clearFilters() }
    this.features = new Map();
    for (const area of [list, more].filter(Boolean)) {
      area.addEventListener("click", (event) => {
        const button = event.target.closest("button[data-id]");
        if (button) this.handlers.select(Number(button.dataset.id));
        if (event.target.closest("[data-action=clear-filters]")) this.handlers.clearFilters?.();
      });
    }
    const hover = (event) => {
      const button = event.target.closest("button[data-id]");
      this.handlers.hover(button ? Number(button.dataset.id) : null);
    };
    list.addEventListener("mouseover", hover);
    list.addEventListener("focusin", hover);
    list.addEventListener("mouseleave", () => this.handlers.hover(null));
    list.addEventListener("focusout", (event) => {
      if (!list.contains(event.relatedTarget)) this.handlers.hover(null);
    });
  }

  get(id) {
    return this.features.get(id);
  }

  setStatus(text) {
    this.status.textContent = text;
  }

  // One listing: a button that opens its detail, and the link to the shop's own page when
  // the API gives one. A distance only when it is measured from somewhere true: `distance`
  // says from where ("me": the user's position, "centre": the map's centre, to be said).
  row(f, distance) {
    const p = f.properties;
    const open = p.open_now === true ? el("span", { class: "badge badge-open" }, "Ouvert")
      : p.open_now === false ? el("span", { class: "badge badge-closed" }, "Fermé") : null;
    const far = distance && p.distance_m !== undefined
      ? [" · ", el("span", { class: "result-distance" },
        `à ${distanceText(p.distance_m)}${distance === "centre" ? " du centre de la carte" : ""}`)] : [];
    const page = typeof p.url === "string" && p.url.startsWith("/")
      ? el("a", { class: "result-page", href: p.url }, "Fiche",
        el("span", { class: "visually-hidden" }, ` de ${p.name}`)) : null;
    return el("li", {},
      el("button", { type: "button", class: "result", "data-id": f.id, "aria-controls": "detail" },
        el("span", { class: "result-name" }, p.name), " ",
        el("span", { class: "result-meta" }, p.category_label || p.category, ...far), " ",
        el("span", { class: "result-address" }, addressText(p)), " ",
        el("span", { class: "result-badges" }, open, servicesText(p).map((s) => el("span", { class: "badge" }, s))),
      ),
      page);
  }

  // `reference`: "me" (ordered from the user's position, distances shown) or "centre";
  // `filtered`: whether any filter is on (only then may the page suggest removing one).
  render(features, { total, reference, filtered }) {
    this.features = new Map(features.map((f) => [f.id, f]));
    const items = features.map((f) => this.row(f, reference === "me" ? "me" : null));
    // A refresh (the map moved, a filter changed) must not take the keyboard focus away
    // from the shop it was on: put it back on the same shop's new button.
    const focusedId = this.list.contains(document.activeElement)
      ? document.activeElement.dataset.id : null;
    this.list.replaceChildren(...items);
    if (focusedId) this.focus(focusedId);
    this.showNearest(null);
    let text;
    if (!features.length) {
      text = filtered
        ? "Aucun commerce dans cette zone avec ces filtres."
        : "Aucun commerce référencé dans cette zone pour l’instant.";
    } else {
      text = `${plural(total, "commerce", "commerces")} dans cette zone`;
      if (total > features.length) {
        text += features.length > 1 ? `, les ${features.length} plus proches affichés` : ", le plus proche affiché";
      }
      text += reference === "me" ? ", du plus proche de vous au plus loin." : ", du plus proche du centre de la carte au plus loin.";
    }
    this.setStatus(text);
  }

  // An empty view is never a dead end: the nearest listings outside it (with the same
  // filters), their distance and from where it is measured, and the way to add one's own.
  showNearest(features, { fromMe = false, filtered = false } = {}) {
    const more = this.more;
    if (!more) return;
    if (features === null) {
      more.hidden = true;
      more.replaceChildren();
      return;
    }
    for (const f of features) this.features.set(f.id, f);
    const count = features.length;
    const title = !count
      ? (filtered ? "Aucun commerce de la région ne répond à ces filtres." : "Aucun commerce référencé pour l’instant.")
      : `${count > 1 ? `Les ${count} commerces` : "Le commerce"} les plus proches ${fromMe ? "de vous" : "du centre de la carte"}`;
    more.replaceChildren(
      filtered ? el("p", {}, el("button", { type: "button", class: "button", "data-action": "clear-filters" },
        "Retirer les filtres")) : null,
      el("h3", {}, title),
      count ? el("ol", { class: "results-list results-nearest" },
        features.map((f) => this.row(f, fromMe ? "me" : "centre"))) : null,
      el("p", {}, el("a", { class: "signup-link", href: more.closest("[data-signup-url]").dataset.signupUrl },
        "Votre commerce n’y est pas ? Inscrivez-le")),
    );
    more.hidden = false;
  }

  setActive(id, { scroll = false } = {}) {
    for (const el of this.list.querySelectorAll(".result.is-active")) el.classList.remove("is-active");
    if (!id) return;
    const button = this.list.querySelector(`button[data-id="${id}"]`);
    if (!button) return;
    button.classList.add("is-active");
    if (scroll) button.scrollIntoView({ block: "nearest" });
  }

  setSelected(id) {
    const root = this.list.parentElement;
    for (const el of root.querySelectorAll(".result[aria-current]")) el.removeAttribute("aria-current");
    const button = id && root.querySelector(`button[data-id="${id}"]`);
    if (button) button.setAttribute("aria-current", "true");
  }

  focus(id) {
    this.list.parentElement.querySelector(`button[data-id="${id}"]`)?.focus();
  }
}
