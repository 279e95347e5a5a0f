/**
 * Toll-fraud guard for originate and redirect: a destination must match the configured
 * allow-list. Entries are exact strings or Asterisk extension patterns (leading `_`): X = 0-9,
 * Z = 1-9, N = 2-9, [1-5a] a class, `.` one or more of anything, `!` zero or more.
 * An empty list allows nothing.
 */
import { AcdError } from '../domain/errors.js';

const CLASS_OF: Record<string, string> = { X: '[0-9]', Z: '[1-9]', N: '[2-9]' };

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/** An Asterisk pattern (`_NXXXXXX`) as an anchored regular expression. */
export function patternToRegExp(pattern: string): RegExp {
  if (!pattern.startsWith('_')) return new RegExp(`^${escapeRegExp(pattern)}$`);
  let source = '';
  const body = pattern.slice(1);
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    const upper = ch.toUpperCase();
    if (CLASS_OF[upper]) source += CLASS_OF[upper];
    else if (ch === '.') source += '.+';
    else if (ch === '!') source += '.*';
    else if (ch === '[') {
      const end = body.indexOf(']', i);
      if (end < 0) throw new AcdError('validation', `pattern '${pattern}': '[' without ']'`);
      source += `[${body.slice(i + 1, end).replace(/[\\^\]]/g, '\\$&')}]`;
      i = end;
    } else source += escapeRegExp(ch);
  }
  return new RegExp(`^${source}$`);
}

export type DestinationCheck = (dest: string) => void;

/** Compiles the list once; the returned check throws AcdError `forbidden` naming the destination. */
export function destinationGuard(allowList: readonly string[]): DestinationCheck {
  const compiled = allowList.map(patternToRegExp);
  return (dest) => {
    if (!compiled.some((re) => re.test(dest))) {
      throw new AcdError('forbidden', `destination '${dest}' is not in the allow-list`, { field: 'dest' });
    }
  };
}

/** One-off form of `destinationGuard(allowList)(dest)`. */
export function assertDestinationAllowed(dest: string, allowList: readonly string[]): void {
  destinationGuard(allowList)(dest);
}
