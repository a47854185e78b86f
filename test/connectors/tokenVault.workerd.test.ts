import { env } from "cloudflare:test"
import { Layer } from "effect"
import { CloudflareEnv } from "../../src/platform/CloudflareEnv"
import { TokenVaultLive } from "../../src/adapters/crypto/TokenVaultLive"
import { tokenVaultSuite } from "./tokenVaultSuite"

// TokenVaultLive exactly as a worker builds it: from the env's TOKEN_VAULT_KEYS and ENVIRONMENT.
tokenVaultSuite("TokenVaultLive in workerd", (config) =>
  TokenVaultLive.pipe(
    Layer.provide(CloudflareEnv.layer({ ...env, TOKEN_VAULT_KEYS: config.keys, ENVIRONMENT: config.environment }))
  ))
