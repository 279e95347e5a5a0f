/**
 * Scripts refuse a command with an error reply "ACD <code> <detail>" before writing anything;
 * this turns it into an AcdError whose message the caller words (it knows the command).
 */
import { AcdError, ErrorCodes, type ErrorCode } from '../domain/errors.js';

const SCRIPT_ERROR = /^ACD (\w+) (.*)$/s;

export type ExplainError = (code: ErrorCode, detail: string) => string;

export async function mapScriptErrors<T>(pending: Promise<T>, explain: ExplainError): Promise<T> {
  try {
    return await pending;
  } catch (err) {
    throw toAcdError(err, explain) ?? err;
  }
}

function toAcdError(err: unknown, explain: ExplainError): AcdError | undefined {
  const match = err instanceof Error ? SCRIPT_ERROR.exec(err.message) : null;
  if (!match || !(match[1] in ErrorCodes)) return undefined;
  const code = match[1] as ErrorCode;
  return new AcdError(code, explain(code, match[2]), { detail: match[2] });
}
