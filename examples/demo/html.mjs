// Server-side HTML with escaping by construction: every value interpolated into
// an `html` template is escaped unless it is itself `html` (or `trusted(...)`,
// used only for the SVG kanmon generates). Arrays are joined, null/false vanish.

const entities = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Escape text for an element body or a quoted attribute value. */
export const escapeHtml = (value) => String(value).replace(/[&<>"'`]/g, (c) => entities[c]);

class Html {
  constructor(text) {
    this.text = text;
  }
  toString() {
    return this.text;
  }
}

/** Markup that is already safe (kanmon's own QR SVG). Never pass user input. */
export const trusted = (text) => new Html(String(text));

const render = (value) => {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(value);
};

/** Tagged template: `html\`<p>${userText}</p>\`` escapes `userText`. */
export function html(strings, ...values) {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new Html(out);
}
