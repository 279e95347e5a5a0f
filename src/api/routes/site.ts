/** Everything outside `/api`: health, the OpenAPI document, the status page. */
import { readFile } from 'node:fs/promises';
import { Type } from 'typebox';
import { PUBLIC } from '../auth.js';
import type { ApiApp } from '../deps.js';

const STATUS_PAGE = new URL('../../web/status.html', import.meta.url);

export async function siteRoutes(app: ApiApp): Promise<void> {
  const statusPage = await readFile(STATUS_PAGE, 'utf8');

  app.get(
    '/healthz',
    { config: PUBLIC, schema: { tags: ['meta'], summary: 'Liveness', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    () => ({ status: 'ok' as const }),
  );

  app.get('/openapi.json', { config: PUBLIC, schema: { hide: true } }, () => app.swagger());

  app.get(
    '/',
    { config: PUBLIC, schema: { hide: true, response: { 200: { content: { 'text/html': { schema: Type.String() } } } } } },
    (_req, reply) => {
      reply.type('text/html; charset=utf-8');
      return statusPage;
    },
  );
}
