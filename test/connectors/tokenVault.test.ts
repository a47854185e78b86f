import { tokenVaultLayer } from "../../src/adapters/crypto/TokenVaultLive"
import { tokenVaultSuite } from "./tokenVaultSuite"

// Node's WebCrypto; the same suite runs inside workerd in tokenVault.workerd.test.ts.
tokenVaultSuite("WebCrypto in Node", tokenVaultLayer)
