// An ARIA 1.2 combobox (list autocomplete) over an existing input and its listbox: what the
// commune search (commune_search.js) and the name suggestions (suggest.js) share.
// Keyboard: ↓/↑ move (wrapping), Entrée chooses, Échap closes; mouse and touch: a tap
// chooses. A subclass says what to ask (`search`), how an option looks (`options`) and
// what choosing does (`choose`); the typing delay, the fetch and the ARIA state are here.

export class Combobox {
  // The `detail` of an input event a subclass dispatches itself: no lookup follows.
  static OWN_INPUT = "combobox";

  // `enterPicksFirst`: Entrée with no option highlighted chooses the first one and never
  // submits the form (the commune field); otherwise Entrée then is left to the form.
  constructor(input, listbox, { delay, enterPicksFirst = false }) {
    this.input = input;
    this.listbox = listbox;
    this.enterPicksFirst = enterPicksFirst;
    this.results = [];
    this.index = -1;
    this.timer = null;
    this.controller = null;
    input.addEventListener("input", (event) => {
      if (event.detail === Combobox.OWN_INPUT) return; // a subclass's own change of the value
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.lookup(), delay);
    });
    input.addEventListener("keydown", (event) => this.key(event));
    input.addEventListener("blur", () => setTimeout(() => this.close(), 150));
    // Keep the focus in the field while an option is pressed (mouse, and touch's
    // emulated mousedown), so that the click that follows chooses it.
    listbox.addEventListener("mousedown", (event) => event.preventDefault());
    listbox.addEventListener("click", (event) => {
      const option = event.target.closest("[role=option]");
      if (option && option.dataset.index !== undefined) this.pick(Number(option.dataset.index));
    });
  }

  // The results for `q` (an array), from `this.search(q, signal)`; a stale answer (the
  // field changed meanwhile) or an aborted one is dropped.
  async lookup() {
    const q = this.input.value.trim();
    if (q.length < 2) return this.close();
    this.controller?.abort();
    this.controller = new AbortController();
    try {
      const results = await this.search(q, this.controller.signal);
      if (this.input.value.trim() !== q) return; // typed on meanwhile
      this.results = results;
      this.index = -1;
      this.render();
    } catch (error) {
      if (error.name !== "AbortError") this.close();
    }
  }

  // The id of the option at `index`, for aria-activedescendant.
  optionId(index) {
    return `${this.listbox.id}-${index}`;
  }

  // Shows `this.options()` (the <li role=option> nodes; none closes the list).
  render() {
    const options = this.options();
    if (!options.length) return this.close();
    this.listbox.replaceChildren(...options);
    this.listbox.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
    const active = this.index >= 0 ? this.listbox.children[this.index] : null;
    if (active) {
      this.input.setAttribute("aria-activedescendant", active.id);
      active.scrollIntoView({ block: "nearest" });
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
    const shown = !this.listbox.hidden;
    const open = shown && this.results.length > 0;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!open) return;
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.index = (this.index + step + this.results.length) % this.results.length;
      this.render();
    } else if (event.key === "Enter") {
      const index = this.index >= 0 ? this.index : this.enterPicksFirst ? 0 : -1;
      if (this.enterPicksFirst || (open && index >= 0)) event.preventDefault();
      if (open && index >= 0) this.pick(index);
    } else if (event.key === "Escape" && shown) {
      // Not the search field's own Échap (it would empty the field).
      event.preventDefault();
      this.close();
    }
  }

  pick(index) {
    if (!this.results[index]) return;
    clearTimeout(this.timer);
    this.controller?.abort();
    this.close();
    this.choose(this.results[index]);
  }
}
