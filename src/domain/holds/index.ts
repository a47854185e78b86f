/** Holds: the pure rules HostMatchDO applies (overlap with buffers, timing, shards). */
export * from "./overlap"
export * from "./policy"
export * from "./shards"
export * from "./matchInput"
