import { tokenVaultLayer } from "../../src/layers/TokenVaultLive"
import { tokenVaultSuite } from "./tokenVaultSuite"

// Node's WebCrypto; the same suite runs inside workerd in tokenVault.workerd.test.ts.
tokenVaultSuite("WebCrypto in Node", tokenVaultLayer)
