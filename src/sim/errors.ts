/**
 * An ARI error reply exactly as Asterisk sends it. Asterisk uses `{"message": ...}` for almost
 * everything but `{"error": "Allocation failed"}` when it cannot allocate (e.g. an unreachable
 * endpoint), and callers parse those bodies, so the key is part of the contract.
 */
export class AriError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, string>,
  ) {
    super(body.message ?? body.error ?? `HTTP ${status}`);
    this.name = 'AriError';
  }
}

const withMessage = (status: number) => (message: string) => new AriError(status, { message });

export const badRequest = withMessage(400);
export const notFound = withMessage(404);
export const conflict = withMessage(409);
export const preconditionFailed = withMessage(412);
export const unprocessable = withMessage(422);
export const allocationFailed = (): AriError => new AriError(500, { error: 'Allocation failed' });

export const isAriError = (e: unknown): e is AriError => e instanceof AriError;
