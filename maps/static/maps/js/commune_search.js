// Commune search: an ARIA 1.2 combobox (combobox.js) over /api/v1/communes/?q= (name or
// postcode). Entrée with no commune highlighted takes the first one.

import { el } from "./dom.js";
import { getJSON } from "./api.js";
import { Combobox } from "./combobox.js";

export class CommuneSearch extends Combobox {
  constructor(input, listbox, handlers) {
    super(input, listbox, { delay: 200, enterPicksFirst: true });
    this.handlers = handlers; // { choose(commune) }
  }

  async search(q, signal) {
    const data = await getJSON("communes/", { q }, signal);
    return (data.results || []).slice(0, 8);
  }

  // An empty answer is said in the list rather than closing it.
  options() {
    if (!this.results.length) {
      return [el("li", { role: "option", "aria-disabled": "true", class: "option-empty" }, "Aucune commune trouvée")];
    }
    return this.results.map((c, i) => el(
      "li", { role: "option", id: this.optionId(i), "data-index": i, "aria-selected": String(i === this.index) },
      c.name, " ",
      el("span", { class: "option-meta" }, `${(c.postcodes || []).slice(0, 3).join(", ")} · ${c.departement}`),
    ));
  }

  choose(commune) {
    this.input.value = commune.name;
    this.handlers.choose(commune);
  }
}
