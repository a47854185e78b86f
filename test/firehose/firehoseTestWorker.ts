// The firehose worker as deployed (fetch, scheduled, FirehoseDO), plus the AppView's queue handler so that the
// index-tasks messages it produces are consumed by the real indexer in the same workerd: one worker, the whole
// ingest path. Only the composition is test-specific; every handler is the production one.
import appview from "../../src/entry/appview"
import firehose from "../../src/entry/firehose"
import type { Env } from "../../src/platform/CloudflareEnv"

export { FirehoseDO } from "../../src/entry/objects/FirehoseDO"

export default {
  fetch: firehose.fetch,
  scheduled: firehose.scheduled,
  queue: appview.queue
} satisfies ExportedHandler<Env>
