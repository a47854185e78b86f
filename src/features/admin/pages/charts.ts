import { LineChart } from "echarts/charts"
import { GridComponent, LegendComponent, MarkLineComponent, TitleComponent } from "echarts/components"
import * as echarts from "echarts/core"
import { SVGRenderer } from "echarts/renderers"
import { Html } from "./html"

// Apache ECharts, server-side: each chart is rendered to an SVG string in the Worker (no script reaches the page,
// which keeps the console's CSP at default-src 'none'). Only the parts used are registered (tree-shaken).
echarts.use([LineChart, GridComponent, LegendComponent, MarkLineComponent, TitleComponent, SVGRenderer])

/** One line of a chart: a name and (time ms, value) points. */
export interface Series {
  readonly name: string
  readonly points: ReadonlyArray<readonly [number, number]>
}

export interface ChartSpec {
  readonly title: string
  readonly unit: string
  readonly series: ReadonlyArray<Series>
  /** A horizontal line (an objective's threshold), if any. */
  readonly threshold?: { readonly label: string; readonly value: number }
}

const WIDTH = 640
const HEIGHT = 260

/**
 * A time-series line chart as inline SVG (`role="img"` with the title as its label), drawn by ECharts' SSR renderer.
 * Charts with no points say so instead.
 */
export const lineChart = (spec: ChartSpec): Html => {
  const points = spec.series.reduce((n, s) => n + s.points.length, 0)
  if (points === 0) return new Html(`<p class="note">${escape(spec.title)}: no data points in this window</p>`)
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width: WIDTH, height: HEIGHT })
  try {
    chart.setOption({
      animation: false,
      title: { text: spec.title, left: 0, textStyle: { fontSize: 14 } },
      legend: { top: 0, right: 0 },
      grid: { left: 56, right: 16, top: 40, bottom: 28 },
      xAxis: { type: "time" },
      yAxis: { type: "value", name: spec.unit, nameTextStyle: { align: "left" } },
      series: spec.series.map((s, i) => ({
        type: "line",
        name: s.name,
        showSymbol: s.points.length < 40,
        data: s.points.map(([t, v]) => [t, v]),
        ...(i === 0 && spec.threshold !== undefined
          ? { markLine: { symbol: "none", silent: true, label: { formatter: spec.threshold.label }, lineStyle: { type: "dashed", color: "#991b1b" }, data: [{ yAxis: spec.threshold.value }] } }
          : {})
      }))
    })
    const svg = chart.renderToSVGString()
    return new Html(`<figure class="chart">${svg.replace("<svg ", `<svg role="img" aria-label="${escape(spec.title)}" `)}</figure>`)
  } finally {
    chart.dispose()
  }
}

const escape = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
