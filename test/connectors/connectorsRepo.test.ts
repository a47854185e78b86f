import { ConnectorsRepoTest } from "../../src/adapters/memory/ConnectorsRepoTest"
import { connectorsRepoSuite } from "./connectorsRepoSuite"

// The in-memory ConnectorsRepo against the same suite as D1 (connectorsRepo.workerd.test.ts).
connectorsRepoSuite("in memory", ConnectorsRepoTest)
