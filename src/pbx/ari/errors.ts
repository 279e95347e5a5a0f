import { PbxError, type PbxErrorKind } from '../port.js';

/** ARI error bodies are `{"message": "..."}`, except allocation failures: `{"error": "Allocation failed"}`. */
function readErrorBody(body: string): { message: string; error?: string } {
  try {
    const json: unknown = JSON.parse(body);
    if (typeof json === 'object' && json !== null) {
      const { message, error } = json as { message?: unknown; error?: unknown };
      if (typeof message === 'string') return { message };
      if (typeof error === 'string') return { message: error, error };
    }
  } catch {
    // Not JSON: the raw body is the message.
  }
  return { message: body };
}

const NOT_IN_STASIS = /not in (a )?stasis/i;

function kindOf(status: number, message: string, error: string | undefined): PbxErrorKind {
  if (status === 0) return 'unavailable';
  if (status === 404) return 'not_found';
  // Channels answer 409 "Channel not in Stasis application"; bridges/addChannel says the same with 422.
  if ((status === 409 || status === 422) && NOT_IN_STASIS.test(message)) return 'not_in_stasis';
  if (status === 409 || status === 412) return 'conflict';
  if (status === 500 && error === 'Allocation failed') return 'allocation_failed';
  if (status >= 500) return 'server';
  return 'invalid';
}

/** Pure mapping of an ARI HTTP answer to a `PbxError`; status 0 means no answer at all. */
export function classifyAriError(status: number, body: string, operation: string): PbxError {
  const { message, error } = readErrorBody(body);
  return new PbxError(kindOf(status, message, error), status, message || `HTTP ${status}`, operation);
}

/**
 * Any failure of a REST call as a `PbxError`. rest.ts rejects with PbxErrors; anything else comes
 * from building the request (e.g. a body that cannot be serialised): a bug, so `invalid`.
 */
export function toPbxError(err: unknown, operation: string): PbxError {
  if (err instanceof PbxError) return err;
  return new PbxError('invalid', 0, err instanceof Error ? err.message : String(err), operation);
}
