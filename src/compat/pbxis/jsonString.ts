/**
 * PBXIS answers ticket and action ids as "a simple string": a JSON string (`"abc"`), served as
 * application/json. Fastify sends a returned string as text/plain without quotes, hence this.
 */
import type { FastifyReply } from 'fastify';

export function sendJsonString(reply: FastifyReply, value: string, status = 200): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(value));
}
