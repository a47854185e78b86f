import { useState } from "react"
import { explain } from "./browserXrpc"

/**
 * One console action at a time: `run(work)` marks the page busy, clears the last problem, runs the work, then
 * `after` (e.g. the loader's revalidation); a failure becomes its human sentence in `problem` (errorSentences.ts).
 */
export const useAction = (after: () => unknown = () => undefined) => {
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | undefined>(undefined)
  const run = async (work: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true)
    setProblem(undefined)
    try {
      await work()
      await after()
      return true
    } catch (error) {
      setProblem(explain(error))
      return false
    } finally {
      setBusy(false)
    }
  }
  return { busy, problem, run }
}
