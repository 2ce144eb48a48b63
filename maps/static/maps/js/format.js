// Small French formatting helpers shared by the list and the detail panel (text only:
// dom.js puts it in the page as text).

// Numbers as fr-FR writes them (« 1 331 » with a narrow no-break space, « 2,5 »), by
// hand: a page's first Intl number format costs 50 to 250 ms of main thread (ICU's locale
// data), which delayed the map's first tiles and listings (issue #17).
export function numberText(n, fractionDigits = 0) {
  const [whole, fraction = ""] = Math.abs(n).toFixed(fractionDigits).split(".");
  const digits = whole.replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
  const decimals = fraction.replace(/0+$/, "");
  const text = decimals ? `${digits},${decimals}` : digits;
  return n < 0 && /[1-9]/.test(text) ? `-${text}` : text;
}

export function distanceText(metres) {
  if (metres === undefined || metres === null) return "";
  if (metres < 1000) return `${Math.round(metres / 10) * 10} m`;
  return `${numberText(metres / 1000, 1)} km`;
}

export function addressText(p) {
  const town = [p.postcode, p.commune_name].filter(Boolean).join(" ");
  return [p.street, town].filter(Boolean).join(", ");
}

export function servicesText(p) {
  const services = [];
  if (p.offers_pickup) services.push("À emporter");
  if (p.offers_delivery) services.push("Livraison");
  return services;
}

// « 0 commerce », « 1 commerce », « 2 commerces »: in French, 0 and 1 are singular.
export function plural(n, one, many) {
  return `${numberText(n)} ${Math.abs(n) >= 2 ? many : one}`;
}
