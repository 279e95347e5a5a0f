/** Wire schemas shared by the stream routes (key and ticket variants). */
import { Type } from 'typebox';
import { STREAM_ID_PATTERN } from './streamId.js';

export const StreamId = Type.String({ pattern: STREAM_ID_PATTERN, description: 'a stream entry id as sent in `id:`' });

export const LongPollQuery = Type.Object({
  timeoutMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000, default: 25_000, description: 'longest wait for an event' })),
  max: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 500, description: 'most events in one answer' })),
});

export const StreamEventSchema = Type.Object(
  { id: Type.String(), type: Type.String(), ts: Type.Number() },
  { additionalProperties: true, description: 'an AcdEvent with its stream id' },
);

export const LongPollReply = Type.Object({
  events: Type.Array(StreamEventSchema),
  lastEventId: Type.String({ description: 'send as `after` in the next poll' }),
});
