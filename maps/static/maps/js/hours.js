// OpenStreetMap opening_hours in French words (same rules as maps/hours.py), used when
// the API gives no hours_text.

const DAYS = {
  Mo: "lundi", Tu: "mardi", We: "mercredi", Th: "jeudi", Fr: "vendredi",
  Sa: "samedi", Su: "dimanche", PH: "jours fériés", SH: "vacances scolaires",
};

function rule(text) {
  text = text.trim();
  if (text === "24/7") return "ouvert 24 h/24, 7 j/7";
  if (/^\d/.test(text)) text = `tous les jours ${text}`;
  return text
    .replace(/\b(Mo|Tu|We|Th|Fr|Sa|Su)-(Mo|Tu|We|Th|Fr|Sa|Su)\b/g, (_, a, b) => `du ${DAYS[a]} au ${DAYS[b]}`)
    .replace(/\b(Mo|Tu|We|Th|Fr|Sa|Su|PH|SH)\b/g, (_, d) => DAYS[d])
    .replace(/\b(\d{1,2}):(\d{2})\b/g, (_, h, m) => (m === "00" ? `${Number(h)} h` : `${Number(h)} h ${m}`))
    .replace(/(\d h(?: \d{2})?)-(\d)/g, "$1 – $2")
    .replace(/\b(off|closed)\b/g, "fermé")
    .replace(/,(?=\S)/g, ", ")
    .replace(/^((?:du |[a-zéè ,]+?)*?[a-zé]) (?=\d|fermé|ouvert)/, "$1 : ");
}

// hours_text (a string, lines separated by ";" or newlines, or a list) or opening_hours.
export function hoursLines(properties) {
  const text = properties.hours_text;
  if (Array.isArray(text) && text.length) return text;
  if (typeof text === "string" && text.trim()) return text.split(/\s*[;\n]\s*/).filter(Boolean);
  const raw = properties.opening_hours || "";
  return raw.split(";").filter((r) => r.trim()).map(rule);
}
