import { Context, Layer } from "effect"
import type { Env } from "./env"

export type { Env }

/** The root of every service graph: the worker's `env`, provided once per isolate. */
export class CloudflareEnv extends Context.Tag("overlap/CloudflareEnv")<CloudflareEnv, Env>() {
  static layer = (env: Env): Layer.Layer<CloudflareEnv> => Layer.succeed(CloudflareEnv, env)
}
