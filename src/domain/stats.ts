/** Statistics: the queue definition's part that live statistics read. */

export interface QueueStatsDef {
  /** Service-level threshold: calls answered within this many seconds count as in service level. Default 20. */
  serviceLevelS?: number;
  /** Wallboard colours: a figure past `amber` / `red` is shown so (src/web/wallboard). */
  wallboard?: WallboardThresholds;
}

/** Each pair: amber from, red from. Service level turns amber / red *below* its percentages. */
export interface WallboardThresholds {
  longestWaitS?: { amber: number; red: number };
  waiting?: { amber: number; red: number };
  serviceLevelPct?: { amber: number; red: number };
}
