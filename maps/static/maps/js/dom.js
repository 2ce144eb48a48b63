// DOM nodes built from data. Every string given as a child becomes a text node: a listing's
// name, address or hours (anyone can publish them through an import) is never parsed as
// HTML. No innerHTML with data anywhere in the residents' pages; Leaflet tooltips take
// the node of `textNode()` rather than a string (a string is HTML to Leaflet).

// el("a", { href, class: "button" }, "text", otherNode, null...): null, undefined, false
// and "" children are skipped; attributes null, undefined or false are left out.
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    node.setAttribute(name === "className" ? "class" : name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false || child === "") continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// A span holding `text` as text: the content of a Leaflet tooltip or icon.
export function textNode(text) {
  const span = document.createElement("span");
  span.textContent = String(text ?? "");
  return span;
}
