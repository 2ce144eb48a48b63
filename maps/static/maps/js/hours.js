// The hours lines of a listing: the API's hours_text (French words, written on the server
// by geo_directory/businesses/hours_text.py), else the raw opening_hours rules.

// hours_text (a string, lines separated by ";" or newlines, or a list) or opening_hours.
export function hoursLines(properties) {
  const text = properties.hours_text;
  if (Array.isArray(text) && text.length) return text;
  if (typeof text === "string" && text.trim()) return text.split(/\s*[;\n]\s*/).filter(Boolean);
  const raw = properties.opening_hours || "";
  return raw.split(";").map((r) => r.trim()).filter(Boolean);
}
