/**
 * Caller experience: what a waiting caller hears and when it leaves the queue. Every field is
 * optional in the file and has an app_queue-like default; the whole definition is stored as JSON
 * with the queue, so the Lua scripts read the exit rules straight from it.
 */

/**
 * Agent conditions for the join-empty / leave-when-empty rules (app_queue's `joinempty` /
 * `leavewhenempty` words): a member matching any listed condition does not count, and the queue is
 * "empty" when no member is left. [] disables the rule.
 *   unavailable  logged out
 *   paused       not ready
 *   inuse        reserved, ringing or on a call
 *   wrapup       in after-call work
 * e.g. ['unavailable'] = nobody logged in; ['unavailable','paused'] = nobody logged in and ready
 * or busy; all four = nobody ready right now.
 */
export const EMPTY_CONDITIONS = ['unavailable', 'paused', 'inuse', 'wrapup'] as const;
export type EmptyCondition = (typeof EMPTY_CONDITIONS)[number];

/** Why a caller left a queue alive: the value of the QUEUESTATUS channel variable (app_queue's words). */
export const EXIT_STATUSES = ['TIMEOUT', 'FULL', 'JOINEMPTY', 'LEAVEEMPTY', 'EXITWITHKEY', 'WITHDRAW', 'CALLBACK', 'CONTINUE'] as const;
export type ExitStatus = (typeof EXIT_STATUSES)[number];

export interface Announcements {
  /** Seconds between position / hold-time announcements; 0 = none. */
  frequencyS: number;
  /** Seconds after joining before the first one; default = frequencyS. */
  firstDelayS?: number;
  /** Never two position announcements closer than this (app_queue's min-announce-frequency). */
  minIntervalS?: number;
  position: boolean;
  holdTime: boolean;
}

export interface PeriodicAnnouncements {
  /** Sound names (`queue-periodic-announce`) or media URIs (`sound:x`, `recording:y`), played in turn. */
  sounds: string[];
  /** Seconds between them; 0 = none. */
  frequencyS: number;
  firstDelayS?: number;
}

export interface CallbackOptions {
  /** DTMF digit that asks for a callback while waiting. */
  key: string;
  /** Dial string with `{number}`, e.g. `PJSIP/{number}@trunk` or `Local/{number}@outbound`. */
  dialString: string;
  /** Tries before giving up on the customer. */
  attempts: number;
  retryDelayS: number;
  /** Seconds the customer's phone rings per attempt. */
  ringTimeoutS: number;
}

/** Formats a queue may record in (Asterisk's file extensions). */
export const RECORD_FORMATS = ['wav', 'wav16', 'gsm', 'ulaw', 'alaw', 'sln', 'g722'] as const;
export type RecordFormat = (typeof RECORD_FORMATS)[number];
/** Placeholders of a recording name template. */
export const RECORD_NAME_FIELDS = ['queue', 'agentId', 'callId', 'ts'] as const;

/** Automatic recording of every connected call of the queue (caller and agent mixed). */
export interface RecordOptions {
  format: RecordFormat;
  /** e.g. `{queue}-{callId}-{ts}`; default `acd-{callId}-{ts}`. Must contain {callId} and {ts}: names are unique. */
  nameTemplate?: string;
}

export interface CallerExperience {
  /** Asterisk music-on-hold class played to waiting callers. */
  musicClass: string;
  /** Ringing instead of music on hold. */
  ringInsteadOfMoh?: boolean;
  /**
   * A caller offered to an agent as it joins hears its hold media only if the agent has not
   * answered within this many ms (default 500; 0: at once, like app_queue).
   */
  holdMediaDelayMs?: number;
  /** Callers waiting (not counting those being offered) beyond which new callers get QUEUESTATUS=FULL; 0 = no limit. */
  maxLen?: number;
  joinEmpty?: EmptyCondition[];
  leaveWhenEmpty?: EmptyCondition[];
  /** Seconds between leave-when-empty checks of a waiting caller. */
  leaveEmptyCheckS?: number;
  /** Max wait in seconds before QUEUESTATUS=TIMEOUT; 0 = none. */
  timeoutS?: number;
  /** DTMF digit that makes the caller leave with QUEUESTATUS=EXITWITHKEY. */
  exitKey?: string;
  /** Queue a caller moves to (keeping its priority and seniority) instead of leaving on TIMEOUT / LEAVEEMPTY / FULL / JOINEMPTY. */
  overflowQueue?: string;
  announce?: Announcements;
  periodic?: PeriodicAnnouncements;
  callback?: CallbackOptions;
  /** Seconds during which a caller who hung up gets its old place back when it calls the queue again; 0 = off. */
  resumeWindowS?: number;
  /** Handle time assumed for the estimated wait before the queue has any completed call. */
  defaultHandleS?: number;
  /**
   * When the agent hangs up, the caller goes on in the dialplan with QUEUESTATUS=CONTINUE instead
   * of being hung up (app_queue's `c` option): a survey, a transfer to another department...
   */
  continueOnAgentHangup?: boolean;
  /** Record each call from the moment it is connected until it ends (src/acd/control/recording.ts). */
  record?: RecordOptions;
}
