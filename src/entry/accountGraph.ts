import { Layer } from "effect"
import { UserDataStoreLive } from "../adapters/d1/UserDataStoreLive"
import { ExportStoreLive } from "../adapters/r2/ExportStoreLive"
import { CloudflareEnv, type Env } from "../platform/CloudflareEnv"

/** Account export and deletion's services (src/features/account): the registry-driven D1 store and R2 exports. */
export const accountLayer = (env: Env) => {
  const root = CloudflareEnv.layer(env)
  return Layer.mergeAll(root, UserDataStoreLive, ExportStoreLive).pipe(Layer.provide(root))
}
