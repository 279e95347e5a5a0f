/**
 * The PBXIS-ws sample pages, served by the engine (plain ES modules, no build):
 * `/client/<tech>/<agents>/<queues>`, `/wallboard/<tech>/<queues>`, `/agentpage`, and their
 * shared module and style under `/pbxis/`. The pages are public; their data needs a key.
 */
import { readFile } from 'node:fs/promises';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { PUBLIC } from '../auth.js';
import type { ApiApp } from '../deps.js';

const file = (name: string) => readFile(new URL(`../../web/pbxis/${name}`, import.meta.url), 'utf8');
const Tech = Type.Union([Type.Literal('long-poll'), Type.Literal('sse'), Type.Literal('websocket')], { description: 'the event transport' });
const html = { 200: { content: { 'text/html': { schema: Type.String() } } } };

export async function pbxisPageRoutes(app: ApiApp): Promise<void> {
  const [client, wallboard, agentpage, script, style] = await Promise.all(['client.html', 'wallboard.html', 'agentpage.html', 'pbxis.js', 'page.css'].map(file));
  const schema = (summary: string, params?: ReturnType<typeof Type.Object>) => ({ tags: ['pbxis'], summary, ...(params ? { params } : {}), response: html });

  const page = (text: string) => (_req: unknown, reply: FastifyReply) => {
    reply.type('text/html; charset=utf-8');
    return text;
  };
  app.get('/client/:tech/:agents/:queues', { config: PUBLIC, schema: schema('PBXIS client page', Type.Object({ tech: Tech, agents: Type.String(), queues: Type.String() })) }, page(client));
  app.get('/wallboard/:tech/:queues', { config: PUBLIC, schema: schema('PBXIS wallboard page', Type.Object({ tech: Tech, queues: Type.String() })) }, page(wallboard));
  app.get('/agentpage', { config: PUBLIC, schema: schema('PBXIS agent page') }, page(agentpage));
  app.get('/pbxis/pbxis.js', { config: PUBLIC, schema: { hide: true } }, (_req, reply) => reply.type('text/javascript; charset=utf-8').send(script));
  app.get('/pbxis/page.css', { config: PUBLIC, schema: { hide: true } }, (_req, reply) => reply.type('text/css; charset=utf-8').send(style));
}
