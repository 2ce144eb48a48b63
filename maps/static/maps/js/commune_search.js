// Commune search: an ARIA 1.2 combobox over /api/v1/communes/?q= (name or postcode).

import { el } from "./dom.js";
import { getJSON } from "./api.js";

export class CommuneSearch {
  constructor(input, listbox, handlers) {
    this.input = input;
    this.listbox = listbox;
    this.handlers = handlers; // { choose(commune) }
    this.results = [];
    this.index = -1;
    this.timer = null;
    this.controller = null;
    input.addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.lookup(), 200);
    });
    input.addEventListener("keydown", (event) => this.key(event));
    input.addEventListener("blur", () => setTimeout(() => this.close(), 150));
    listbox.addEventListener("mousedown", (event) => event.preventDefault());
    listbox.addEventListener("click", (event) => {
      const option = event.target.closest("[role=option]");
      if (option) this.choose(Number(option.dataset.index));
    });
  }

  async lookup() {
    const q = this.input.value.trim();
    if (q.length < 2) return this.close();
    this.controller?.abort();
    this.controller = new AbortController();
    try {
      const data = await getJSON("communes/", { q }, this.controller.signal);
      this.results = (data.results || []).slice(0, 8);
      this.index = -1;
      this.render();
    } catch (error) {
      if (error.name !== "AbortError") this.close();
    }
  }

  render() {
    if (!this.results.length) {
      this.listbox.replaceChildren(
        el("li", { role: "option", "aria-disabled": "true", class: "option-empty" }, "Aucune commune trouvée"),
      );
    } else {
      this.listbox.replaceChildren(...this.results.map((c, i) => el(
        "li", { role: "option", id: `commune-option-${i}`, "data-index": i, "aria-selected": String(i === this.index) },
        c.name, " ",
        el("span", { class: "option-meta" }, `${(c.postcodes || []).slice(0, 3).join(", ")} · ${c.departement}`),
      )));
    }
    this.listbox.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    if (this.index >= 0) this.input.setAttribute("aria-activedescendant", `commune-option-${this.index}`);
    else this.input.removeAttribute("aria-activedescendant");
  }

  close() {
    this.listbox.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }

  key(event) {
    const open = !this.listbox.hidden && this.results.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!open) return;
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.index = (this.index + step + this.results.length) % this.results.length;
      this.render();
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (open) this.choose(this.index >= 0 ? this.index : 0);
    } else if (event.key === "Escape") {
      this.close();
    }
  }

  choose(index) {
    const commune = this.results[index];
    if (!commune) return;
    this.input.value = commune.name;
    this.close();
    this.handlers.choose(commune);
  }
}
