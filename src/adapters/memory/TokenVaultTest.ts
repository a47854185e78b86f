import type { Layer } from "effect"
import type { TokenVault } from "../../services/TokenVault"
import { tokenVaultLayer } from "../crypto/TokenVaultLive"

/**
 * Fixed, public test keys. The Test layer runs the same WebCrypto code as Live rather than a fake, so a
 * test that searches storage for a plaintext token is testing the real thing.
 */
export const TEST_VAULT_KEYS = JSON.stringify({
  current: "test-2",
  keys: {
    "test-1": "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",
    "test-2": "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI="
  }
})

/** TokenVault with TEST_VAULT_KEYS (current key "test-2"), as if ENVIRONMENT were "test". */
export const TokenVaultTest: Layer.Layer<TokenVault> = tokenVaultLayer({ keys: TEST_VAULT_KEYS, environment: "test" })
