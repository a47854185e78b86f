declare module "cloudflare:test" {
  // bindings vitest.firehose.config.ts adds for the firehose suite
  interface ProvidedEnv {
    readonly TEST_PDS_URL: string
    readonly TEST_JETSTREAM_URL: string
    readonly OVERLAP_BENCH_LAG: string
  }
}
export {}
