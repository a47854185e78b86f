/** HTML of the operator console: escaping, and the page frame every view shares. */

const ESCAPES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }

/** A value as HTML text or attribute content. */
export const escapeHtml = (value: unknown): string => String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!)

/** HTML made by this module's callers from escaped parts; `html` only accepts these or escapes the rest. */
export class Html {
  constructor(readonly value: string) {}
  toString() {
    return this.value
  }
}

const part = (value: unknown): string =>
  value instanceof Html ? value.value : Array.isArray(value) ? value.map(part).join("") : value === undefined || value === null || value === false ? "" : escapeHtml(value)

/** Tagged template: interpolated values are escaped unless they are `Html` (arrays are joined). */
export const html = (strings: TemplateStringsArray, ...values: ReadonlyArray<unknown>): Html =>
  new Html(strings.reduce((out, s, i) => out + s + (i < values.length ? part(values[i]) : ""), ""))

const NAV: ReadonlyArray<readonly [string, string]> = [
  ["/admin", "Overview"],
  ["/admin/metrics", "Metrics"],
  ["/admin/slo", "Service level objectives"],
  ["/admin/audit", "Booking audit trail"],
  ["/admin/dead-letters", "Dead letters"]
]

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#111;background:#fff}
header{background:#1f2937;color:#fff;padding:.6rem 1rem;display:flex;gap:1.5rem;align-items:center;flex-wrap:wrap}
header a{color:#fff}header a[aria-current=page]{font-weight:700}main{padding:1rem;max-width:72rem}
table{border-collapse:collapse;margin:.5rem 0 1.25rem}th,td{border:1px solid #9ca3af;padding:.3rem .6rem;text-align:left}
th{background:#f3f4f6}.bad{color:#991b1b;font-weight:600}.good{color:#065f46;font-weight:600}
.note{color:#374151}figure.chart{margin:.5rem 0 1rem}figure.chart svg{max-width:100%;height:auto}label{display:block;margin:.5rem 0 .2rem}input{font:inherit;padding:.3rem}button{font:inherit;padding:.3rem .8rem}`

/** A whole page: header with the navigation and who is signed in, then `body`. */
export const page = (title: string, path: string, operator: string, body: Html): string =>
  `<!doctype html>${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Overlap operator console</title><style>${new Html(STYLE)}</style></head>
<body><header><strong>Overlap operator console</strong><nav aria-label="Console"><ul style="display:flex;gap:1rem;list-style:none;margin:0;padding:0">${
    NAV.map(([href, label]) => html`<li><a href="${href}"${href === path ? new Html(' aria-current="page"') : ""}>${label}</a></li>`)
  }</ul></nav><span>signed in: ${operator}</span></header>
<main><h1>${title}</h1>${body}</main></body></html>`}`

/** A table with a caption, column headers, and rows of cells (strings are escaped, `Html` is kept). */
export const table = (caption: string, headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<unknown>>, empty: string): Html =>
  rows.length === 0
    ? html`<p class="note">${caption}: ${empty}</p>`
    : html`<table><caption style="text-align:left;font-weight:600">${caption}</caption><thead><tr>${headers.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${
      rows.map((row) => html`<tr>${row.map((cell) => html`<td>${cell}</td>`)}</tr>`)
    }</tbody></table>`

/** The response headers of every console page: never cached, never framed, no script. */
export const pageHeaders = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
} as const
