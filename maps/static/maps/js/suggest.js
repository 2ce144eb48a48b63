// Suggestions as one types in the name search: trades, communes and shops from
// /api/v1/suggest/?q=, as an ARIA 1.2 combobox (list autocomplete) over the existing input
// (combobox.js: keyboard, mouse and touch). Choosing a trade presses its category chip and
// empties the field, a commune goes to handlers.commune({ code, name }), a shop to
// handlers.shop(id). Text-only DOM (dom.js).

import { el } from "./dom.js";
import { getJSON } from "./api.js";
import { Combobox } from "./combobox.js";

const KIND_LABELS = { trade: "Métier", commune: "Commune", shop: "Commerce" };
const DELAY_MS = 150;

export class Suggest extends Combobox {
  constructor(input, handlers) {
    const id = `${input.id}-suggestions`;
    const listbox = el("ul", { id, role: "listbox", class: "suggestions", "aria-label": "Suggestions", hidden: true });
    input.after(listbox);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id);
    super(input, listbox, { delay: DELAY_MS });
    this.handlers = handlers; // { commune({ code, name }), shop(id) }
  }

  async search(q, signal) {
    const data = await getJSON("suggest/", { q }, signal);
    return data.results || [];
  }

  // None once the field has lost the focus (the answer came late): the list stays closed.
  options() {
    if (document.activeElement !== this.input) return [];
    return this.results.map((s, i) => el(
      "li",
      {
        role: "option", id: this.optionId(i), "data-index": i,
        "data-kind": s.kind, "aria-selected": String(i === this.index),
      },
      s.label, " ",
      el("span", { class: "option-meta" }, s.kind === "shop" && s.commune ? `${KIND_LABELS.shop} · ${s.commune}` : KIND_LABELS[s.kind]),
    ));
  }

  choose(suggestion) {
    if (suggestion.kind === "trade") {
      // The trade becomes the category filter (its chip), the field no longer searches.
      this.input.value = "";
      this.input.dispatchEvent(new CustomEvent("input", { detail: Combobox.OWN_INPUT }));
      const chip = document.querySelector(`.chip[data-category="${CSS.escape(suggestion.slug)}"]`);
      if (chip && chip.getAttribute("aria-pressed") !== "true") chip.click();
    } else if (suggestion.kind === "commune") {
      this.handlers.commune({ code: suggestion.code, name: suggestion.label });
    } else {
      this.handlers.shop(suggestion.id);
    }
  }
}
