/** Everything outside `/api`: health, the OpenAPI document, the status page and the pages in src/web. */
import { readdir, readFile } from 'node:fs/promises';
import { Type } from 'typebox';
import { AcdError } from '../../domain/errors.js';
import { PUBLIC } from '../auth.js';
import type { ApiApp } from '../deps.js';

const WEB = new URL('../../web/', import.meta.url);
const ASSETS = new URL('assets/', WEB);
/** Page path → file in src/web. The pages ask for an API key themselves (login form). */
const PAGES: Record<string, string> = { '/': 'status.html', '/wallboard': 'wallboard.html', '/agent': 'agent.html', '/supervisor': 'supervisor.html' };
const ASSET_TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

/** The shared scripts and styles, read once: only these names are ever served (no path from the URL reaches the disk). */
async function loadAssets(): Promise<Map<string, { type: string; body: string }>> {
  const assets = new Map<string, { type: string; body: string }>();
  for (const name of await readdir(ASSETS)) {
    const type = ASSET_TYPES[name.slice(name.lastIndexOf('.'))];
    if (type) assets.set(name, { type, body: await readFile(new URL(name, ASSETS), 'utf8') });
  }
  return assets;
}

export async function siteRoutes(app: ApiApp): Promise<void> {
  const assets = await loadAssets();

  app.get(
    '/healthz',
    { config: PUBLIC, schema: { tags: ['meta'], summary: 'Liveness', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    () => ({ status: 'ok' as const }),
  );

  app.get('/openapi.json', { config: PUBLIC, schema: { hide: true } }, () => app.swagger());

  for (const [path, file] of Object.entries(PAGES)) {
    const html = await readFile(new URL(file, WEB), 'utf8');
    app.get(path, { config: PUBLIC, schema: { hide: true, response: { 200: { content: { 'text/html': { schema: Type.String() } } } } } }, (_req, reply) => {
      reply.type('text/html; charset=utf-8');
      return html;
    });
  }

  app.get('/assets/:name', { config: PUBLIC, schema: { hide: true, params: Type.Object({ name: Type.String() }) } }, (req, reply) => {
    const asset = assets.get(req.params.name);
    if (!asset) throw new AcdError('not_found', `no asset '${req.params.name}'`, { field: 'name' });
    reply.type(asset.type);
    return asset.body;
  });
}
