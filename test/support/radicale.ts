// The real local Radicale lives in scripts/ so that `npm run dev` and the tests start it the same way.
export { type Radicale, startRadicale } from "../../scripts/localRadicale.mjs"
