// Suggestions as one types in the name search: trades, communes and shops from
// /api/v1/suggest/?q=, as an ARIA 1.2 combobox (list autocomplete) over the existing input.
// Keyboard: ↓/↑ move, Entrée chooses, Échap closes; mouse and touch: a tap chooses.
// Choosing a trade presses its category chip and empties the field, a commune goes to
// handlers.commune({ code, name }), a shop to handlers.shop(id). Text-only DOM (dom.js).

import { el } from "./dom.js";
import { getJSON } from "./api.js";

const KIND_LABELS = { trade: "Métier", commune: "Commune", shop: "Commerce" };
const DELAY_MS = 150;

export class Suggest {
  constructor(input, handlers) {
    this.input = input;
    this.handlers = handlers; // { commune({ code, name }), shop(id) }
    this.results = [];
    this.index = -1;
    this.timer = null;
    this.controller = null;
    const id = `${input.id}-suggestions`;
    this.listbox = el("ul", { id, role: "listbox", class: "suggestions", "aria-label": "Suggestions", hidden: true });
    input.after(this.listbox);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id);
    input.addEventListener("input", (event) => {
      if (event.detail === "suggest") return; // our own clearing after a choice
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.lookup(), DELAY_MS);
    });
    input.addEventListener("keydown", (event) => this.key(event));
    input.addEventListener("blur", () => setTimeout(() => this.close(), 150));
    // Keep the focus in the field while an option is pressed (mouse, and touch's
    // emulated mousedown), so that the click that follows chooses it.
    this.listbox.addEventListener("mousedown", (event) => event.preventDefault());
    this.listbox.addEventListener("click", (event) => {
      const option = event.target.closest("[role=option]");
      if (option && option.dataset.index !== undefined) this.choose(Number(option.dataset.index));
    });
  }

  async lookup() {
    const q = this.input.value.trim();
    if (q.length < 2) return this.close();
    this.controller?.abort();
    this.controller = new AbortController();
    try {
      const data = await getJSON("suggest/", { q }, this.controller.signal);
      if (this.input.value.trim() !== q) return; // typed on meanwhile
      this.results = data.results || [];
      this.index = -1;
      this.render();
    } catch (error) {
      if (error.name !== "AbortError") this.close();
    }
  }

  render() {
    if (!this.results.length || document.activeElement !== this.input) return this.close();
    this.listbox.replaceChildren(...this.results.map((s, i) => el(
      "li",
      {
        role: "option", id: `${this.listbox.id}-${i}`, "data-index": i,
        "data-kind": s.kind, "aria-selected": String(i === this.index),
      },
      s.label, " ",
      el("span", { class: "option-meta" }, s.kind === "shop" && s.commune ? `${KIND_LABELS.shop} · ${s.commune}` : KIND_LABELS[s.kind]),
    )));
    this.listbox.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    if (this.index >= 0) {
      this.input.setAttribute("aria-activedescendant", `${this.listbox.id}-${this.index}`);
      this.listbox.children[this.index]?.scrollIntoView({ block: "nearest" });
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
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
    } else if (event.key === "Enter" && open && this.index >= 0) {
      event.preventDefault();
      this.choose(this.index);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      this.close();
    }
  }

  choose(index) {
    const suggestion = this.results[index];
    if (!suggestion) return;
    clearTimeout(this.timer);
    this.controller?.abort();
    this.close();
    if (suggestion.kind === "trade") {
      // The trade becomes the category filter (its chip), the field no longer searches.
      this.input.value = "";
      this.input.dispatchEvent(new CustomEvent("input", { detail: "suggest" }));
      const chip = document.querySelector(`.chip[data-category="${CSS.escape(suggestion.slug)}"]`);
      if (chip && chip.getAttribute("aria-pressed") !== "true") chip.click();
    } else if (suggestion.kind === "commune") {
      this.handlers.commune({ code: suggestion.code, name: suggestion.label });
    } else {
      this.handlers.shop(suggestion.id);
    }
  }
}
