/** Size limits on what clients send (configuration `auth.limits`), with their defaults. */
import { Type, type Static } from 'typebox';

export const LimitsFileSchema = Type.Object(
  {
    /** Longest string accepted in any request parameter or body field. */
    maxStringLength: Type.Optional(Type.Integer({ minimum: 64, maximum: 1_000_000 })),
    /** Largest HTTP request body (Fastify bodyLimit). */
    bodyLimitBytes: Type.Optional(Type.Integer({ minimum: 1024, maximum: 100 * 1024 * 1024 })),
    /** Largest WebSocket message a client may send (CTI and ticket sockets). */
    wsMaxPayloadBytes: Type.Optional(Type.Integer({ minimum: 1024, maximum: 100 * 1024 * 1024 })),
    /** Channel variables on one originate / dial. */
    maxVariables: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
    /** Longest channel variable value. */
    maxVariableValueLength: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_536 })),
  },
  { additionalProperties: false },
);
export type LimitsFile = Static<typeof LimitsFileSchema>;
export type Limits = Required<LimitsFile>;

export const DEFAULT_LIMITS: Limits = {
  maxStringLength: 4096,
  bodyLimitBytes: 256 * 1024,
  wsMaxPayloadBytes: 64 * 1024,
  maxVariables: 32,
  maxVariableValueLength: 1024,
};

export const resolveLimits = (file: LimitsFile | undefined): Limits => ({ ...DEFAULT_LIMITS, ...file });
