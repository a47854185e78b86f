import { RepositoriesTest } from "../../src/adapters/memory/RepositoriesTest"
import { repositorySuite } from "./repositorySuite"

// The in-memory layers, in Node: each test builds RepositoriesTest afresh, so it starts empty.
repositorySuite("in-memory (Test layers)", RepositoriesTest)
