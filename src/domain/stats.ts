/** Statistics: the queue definition's part that live statistics read. */

export interface QueueStatsDef {
  /** Service-level threshold: calls answered within this many seconds count as in service level. Default 20. */
  serviceLevelS?: number;
}
