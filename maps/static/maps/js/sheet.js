// The phone's sheets: the list pulled up from the bottom of the map (a handle to drag, or
// a button: click, Enter, Space, arrow keys) and the filters opened by « Filtres (n) ».
// On a wide screen both are plain parts of the page and these handlers change nothing
// visible (the CSS shows no handle and no « Filtres » button there).

const DRAG_THRESHOLD_PX = 40; // less than this is a tap, not a pull

export class ListSheet {
  constructor(sheet, handle, onChange = () => {}) {
    this.sheet = sheet;
    this.handle = handle;
    this.label = handle.querySelector(".sheet-handle-text");
    this.onChange = onChange;
    this.drag = null;
    this.dragged = false;
    handle.addEventListener("click", () => {
      if (this.dragged) {
        this.dragged = false;
        return;
      }
      this.set(!this.expanded);
    });
    handle.addEventListener("keydown", (event) => {
      if (event.key === "ArrowUp") this.set(true);
      else if (event.key === "ArrowDown") this.set(false);
      else return;
      event.preventDefault();
    });
    handle.addEventListener("pointerdown", (event) => this.start(event));
    handle.addEventListener("pointermove", (event) => this.move(event));
    handle.addEventListener("pointerup", (event) => this.end(event));
    handle.addEventListener("pointercancel", (event) => this.end(event));
    this.set(false);
  }

  get expanded() {
    return this.sheet.classList.contains("is-expanded");
  }

  set(expanded) {
    this.sheet.classList.toggle("is-expanded", expanded);
    this.sheet.style.removeProperty("--sheet-h");
    this.handle.setAttribute("aria-expanded", String(expanded));
    this.label.textContent = expanded ? "Réduire la liste" : "Afficher la liste";
    this.onChange(expanded);
  }

  // The sheet follows the finger (its height through a CSS variable, set with the CSSOM:
  // the CSP forbids style attributes, not this), then snaps open or closed.
  start(event) {
    this.drag = { y: event.clientY, height: this.sheet.getBoundingClientRect().height };
    this.dragged = false;
    this.handle.setPointerCapture(event.pointerId);
    this.sheet.classList.add("is-dragging");
  }

  move(event) {
    if (!this.drag) return;
    const delta = this.drag.y - event.clientY;
    if (Math.abs(delta) < 4) return;
    const max = this.sheet.parentElement.getBoundingClientRect().height;
    const height = Math.max(48, Math.min(max, this.drag.height + delta));
    this.sheet.style.setProperty("--sheet-h", `${Math.round(height)}px`);
  }

  end(event) {
    if (!this.drag) return;
    const delta = this.drag.y - event.clientY;
    this.drag = null;
    this.sheet.classList.remove("is-dragging");
    if (Math.abs(delta) < DRAG_THRESHOLD_PX) {
      this.sheet.style.removeProperty("--sheet-h");
      return; // a tap: the click that follows toggles
    }
    this.dragged = true;
    this.set(delta > 0);
  }
}

export class FilterSheet {
  // `onChange(shown)`: after the sheet opens or closes (the map asks the chips' counts
  // only while they can be seen).
  constructor(openButton, closeButton, panel, onChange = () => {}) {
    this.openButton = openButton;
    this.panel = panel;
    this.onChange = onChange;
    openButton.addEventListener("click", () => this.set(!this.shown));
    closeButton.addEventListener("click", () => {
      this.set(false);
      openButton.focus();
    });
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.shown) {
        event.stopPropagation();
        this.set(false);
        openButton.focus();
      }
    });
  }

  get shown() {
    return document.body.classList.contains("filters-shown");
  }

  set(shown) {
    document.body.classList.toggle("filters-shown", shown);
    this.openButton.setAttribute("aria-expanded", String(shown));
    if (shown) this.panel.querySelector("button, input, summary")?.focus();
    this.onChange(shown);
  }

  // « Filtres (2) »: how many filters are on, so that a closed sheet still says it.
  setCount(n) {
    this.openButton.textContent = n ? `Filtres (${n})` : "Filtres";
  }
}
