/**
 * What a client may hand over to Asterisk through the engine. Channel variable names are plain
 * names only: `SHELL(...)`, `FILE(...)` or `CALLERID(num)` are dialplan functions that Asterisk
 * would run or that would spoof the call's identity. Values and caller ids carry no control
 * characters (a CR/LF would end an AMI/AGI-style line, a NUL truncates) and are bounded.
 */
import { AcdError } from '../domain/errors.js';
import { excerpt } from '../domain/ids.js';
import type { Limits } from './limits.js';

export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;
export const hasControlCharacters = (text: string): boolean => CONTROL.test(text);
const MAX_CALLER_ID = 128;

/** AcdError `validation` naming `field` when `text` has a control character or is longer than `max`. */
export function assertPbxText(text: string, field: string, max: number): void {
  if (hasControlCharacters(text)) throw new AcdError('validation', `${field} must not contain control characters (CR, LF, NUL...)`, { field });
  if (text.length > max) throw new AcdError('validation', `${field} is longer than ${max} characters`, { field });
}

export function assertCallerId(callerId: string): void {
  assertPbxText(callerId, 'callerId', MAX_CALLER_ID);
}

export function assertChannelVariables(variables: Readonly<Record<string, string>>, limits: Pick<Limits, 'maxVariables' | 'maxVariableValueLength'>): void {
  const names = Object.keys(variables);
  if (names.length > limits.maxVariables) throw new AcdError('validation', `at most ${limits.maxVariables} variables`, { field: 'variables' });
  for (const name of names) {
    if (!VARIABLE_NAME.test(name)) {
      throw new AcdError('validation', `variable name '${excerpt(name)}' must be a plain name ([A-Za-z_][A-Za-z0-9_]*, no functions)`, { field: 'variables' });
    }
    const value = variables[name];
    if (typeof value !== 'string') throw new AcdError('validation', `variable ${name} must be a string`, { field: 'variables' });
    assertPbxText(value, `variable ${name}`, limits.maxVariableValueLength);
  }
}
