import path from "node:path"

/**
 * The module resolution every workerd test config shares: ECharts (the operator console's charts, imported through the
 * AppView) imports tslib, whose Node entry is CommonJS the pool cannot hand to an ES import; its ES build is the same
 * helpers (wrangler's esbuild picks that build on its own, so only the test pool needs this).
 */
export const workerdResolve = {
  alias: [{ find: /^tslib$/, replacement: path.join(import.meta.dirname, "../../node_modules/tslib/tslib.es6.mjs") }]
}
