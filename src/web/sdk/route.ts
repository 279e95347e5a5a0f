/**
 * The browser CTI library (docs/compat-cti-js.md):
 *   GET /sdk/cti.js          the ES module (`import { executeCommands } from '/sdk/cti.js'`)
 *   GET /sdk/cti.global.js   the same code as a classic script: `window.executeCommands`,
 *                            `window.FreeswitchCti = { executeCommands, configure }`
 * Public: the code holds no secret; the agent's password is checked at the WebSocket handshake.
 */
import { readFile } from 'node:fs/promises';
import { PUBLIC } from '../../api/auth.js';
import type { ApiApp } from '../../api/deps.js';

const SOURCE = new URL('./cti.js', import.meta.url);
const EXPORTED = /^export function (\w+)/gm;

/** The module's exports become globals: the module body runs in a function scope. */
export function asClassicScript(moduleSource: string): string {
  const names = [...moduleSource.matchAll(EXPORTED)].map((m) => m[1]!);
  const body = moduleSource.replace(EXPORTED, 'function $1');
  return `(function () {\n${body}\nwindow.FreeswitchCti = { ${names.join(', ')} };\nwindow.executeCommands = executeCommands;\n})();\n`;
}

export async function sdkRoutes(app: ApiApp): Promise<void> {
  const moduleSource = await readFile(SOURCE, 'utf8');
  const classic = asClassicScript(moduleSource);
  const js = (body: string) => (_req: unknown, reply: { type(t: string): unknown; header(k: string, v: string): unknown }) => {
    reply.type('text/javascript; charset=utf-8');
    reply.header('cache-control', 'no-cache');
    // A desktop on another origin imports the module in CORS mode; the code is public.
    reply.header('access-control-allow-origin', '*');
    return body;
  };
  app.get('/sdk/cti.js', { config: PUBLIC, schema: { hide: true } }, js(moduleSource));
  app.get('/sdk/cti.global.js', { config: PUBLIC, schema: { hide: true } }, js(classic));
}
