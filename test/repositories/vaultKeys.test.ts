import { Layer } from "effect"
import { ConnectorsRepoTest } from "../../src/adapters/memory/ConnectorsRepoTest"
import { DeadLetterSealedValuesTest } from "../../src/adapters/memory/DeadLetterSealedValuesTest"
import { BookingNoteSealedValuesTest } from "../../src/adapters/memory/BookingNoteSealedValuesTest"
import { NotifySealedValuesTest } from "../../src/adapters/memory/NotifySealedValuesTest"
import { WebhookSubscriptionsRepoTest } from "../../src/adapters/memory/WebhookSubscriptionsRepoTest"
import { vaultKeysSuite } from "./vaultKeysSuite"

// The in-memory repositories; the same suite runs over D1 inside workerd in vaultKeys.workerd.test.ts.
vaultKeysSuite("in memory", Layer.mergeAll(ConnectorsRepoTest, WebhookSubscriptionsRepoTest, NotifySealedValuesTest, DeadLetterSealedValuesTest, BookingNoteSealedValuesTest))
