import { Either } from "effect"
import type { SloStatus } from "../../../domain/metrics/slo"
import { WINDOWS } from "../metricsWindow"
import { type Html, html } from "./html"

const percent = (share: number | undefined, digits = 2) =>
  share === undefined ? "—" : share === -Infinity ? "overspent" : `${(share * 100).toFixed(digits)} %`

const objectiveRow = (entry: Either.Either<SloStatus & { readonly percentile?: number }, string>): Html =>
  Either.match(entry, {
    onLeft: (reason) => html`<tr><td colspan="6" class="bad">metrics unavailable (${reason})</td></tr>`,
    onRight: (s) => html`<tr><th scope="row">${s.objective.title}<br><span class="note">${percent(s.objective.target, 0)} ${s.objective.description}</span></th>
<td>${s.valid}</td><td>${s.valid - s.good}</td><td>${percent(s.attained)}</td><td>${
      s.budgetLeft === undefined ? "—" : html`<span class="${s.budgetLeft > 0 ? "good" : "bad"}">${percent(s.budgetLeft, 1)}</span>`
    }</td><td>${s.met === undefined ? "no data" : s.met ? html`<span class="good">met</span>` : html`<span class="bad">missed</span>`}${
      s.percentile !== undefined ? html`<br><span class="note">measured: ${Math.round(s.percentile)} ms</span>` : ""
    }</td></tr>`
  })

/** The SLO page: each objective over the window, with what is left of its error budget. */
export const sloBody = (window: string, source: string, statuses: ReadonlyArray<{ readonly status: Either.Either<SloStatus & { readonly percentile?: number }, string> }>): Html => html`
<p>Window: ${Object.entries(WINDOWS).map(([name, w]) =>
  name === window ? html`<strong aria-current="true">${w.label}</strong> ` : html`<a href="/admin/slo?window=${name}">${w.label}</a> `
)}</p><p class="note">Source: ${source}. Error budget left = 1 − bad ÷ (valid × (1 − target)); below 0 the objective is missed.</p>
<table><caption style="text-align:left;font-weight:600">Objectives over the ${WINDOWS[window]?.label ?? window}</caption>
<thead><tr><th scope="col">objective</th><th scope="col">valid events</th><th scope="col">bad</th><th scope="col">attained</th><th scope="col">error budget left</th><th scope="col">status</th></tr></thead>
<tbody>${statuses.map((s) => objectiveRow(s.status))}</tbody></table>`
