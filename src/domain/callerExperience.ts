/** Caller experience: what a waiting caller hears and when it leaves the queue. */

export interface CallerExperience {
  /** Asterisk music-on-hold class played to waiting callers. */
  musicClass: string;
}
