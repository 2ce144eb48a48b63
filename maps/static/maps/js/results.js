// The list beside the map: every listing of the view as a button, nearest first. It is
// the full alternative to the map for keyboard and screen-reader users.

import { el } from "./dom.js";
import { addressText, distanceText, plural, servicesText } from "./format.js";

export class ResultsList {
  constructor(list, status, handlers) {
    this.list = list;
    this.status = status;
    this.handlers = handlers; // { hover(id|null), select(id) }
    this.features = new Map();
    list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-id]");
      if (button) this.handlers.select(Number(button.dataset.id));
    });
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

  render(features, { total, reference }) {
    this.features = new Map(features.map((f) => [f.id, f]));
    const items = features.map((f) => {
      const p = f.properties;
      const open = p.open_now === true ? el("span", { class: "badge badge-open" }, "Ouvert")
        : p.open_now === false ? el("span", { class: "badge badge-closed" }, "Fermé") : null;
      const distance = p.distance_m !== undefined
        ? [" · ", el("span", { class: "result-distance" }, `à ${distanceText(p.distance_m)}`)] : [];
      return el("li", {}, el("button", { type: "button", class: "result", "data-id": f.id, "aria-controls": "detail" },
        el("span", { class: "result-name" }, p.name), " ",
        el("span", { class: "result-meta" }, p.category_label || p.category, ...distance), " ",
        el("span", { class: "result-address" }, addressText(p)), " ",
        el("span", { class: "result-badges" }, open, servicesText(p).map((s) => el("span", { class: "badge" }, s))),
      ));
    });
    // A refresh (the map moved, a filter changed) must not take the keyboard focus away
    // from the shop it was on: put it back on the same shop's new button.
    const focusedId = this.list.contains(document.activeElement)
      ? document.activeElement.dataset.id : null;
    this.list.replaceChildren(...items);
    if (focusedId) this.focus(focusedId);
    let text;
    if (!features.length) {
      text = "Aucun commerce dans cette zone avec ces filtres. Dézoomez ou retirez un filtre.";
    } else {
      text = `${plural(total, "commerce", "commerces")} dans cette zone`;
      if (total > features.length) {
        text += features.length > 1 ? `, les ${features.length} plus proches affichés` : ", le plus proche affiché";
      }
      text += reference === "me" ? ", du plus proche de vous au plus loin." : ", du plus proche du centre de la carte au plus loin.";
    }
    this.setStatus(text);
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
    for (const el of this.list.querySelectorAll(".result[aria-current]")) el.removeAttribute("aria-current");
    const button = id && this.list.querySelector(`button[data-id="${id}"]`);
    if (button) button.setAttribute("aria-current", "true");
  }

  focus(id) {
    this.list.querySelector(`button[data-id="${id}"]`)?.focus();
  }
}
