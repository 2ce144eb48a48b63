// Small French formatting helpers shared by the list and the detail panel (text only:
// dom.js puts it in the page as text).

const km = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 1 });

export function distanceText(metres) {
  if (metres === undefined || metres === null) return "";
  if (metres < 1000) return `${Math.round(metres / 10) * 10} m`;
  return `${km.format(metres / 1000)} km`;
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
  return `${n.toLocaleString("fr-FR")} ${Math.abs(n) >= 2 ? many : one}`;
}
