/**
 * `docs/config-reference.md`, generated from the schema the engine validates its configuration
 * file with, so the reference cannot drift from what start-up accepts. `npm run docs:config`
 * rewrites it; a test fails when it is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CONFIG_MEANINGS } from './configMeanings.js';

/** The JSON-schema subset TypeBox produces for the configuration file. */
interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  patternProperties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  description?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  maxItems?: number;
  default?: unknown;
}

export const CONFIG_REFERENCE_PATH = fileURLToPath(new URL('../../docs/config-reference.md', import.meta.url));

function typeOf(s: Schema): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (s.anyOf) return s.anyOf.map(typeOf).join(' \\| ');
  if (s.type === 'array') return `array of ${s.items ? typeOf(s.items) : 'any'}`;
  if (s.type === 'object' && s.patternProperties) return `map of ${Object.values(s.patternProperties).map(typeOf).join(' \\| ')}`;
  return Array.isArray(s.type) ? s.type.join(' \\| ') : (s.type ?? 'any');
}

function constraintsOf(s: Schema): string {
  const parts: string[] = [];
  if (s.minimum !== undefined || s.maximum !== undefined) parts.push(`${s.minimum ?? '…'}–${s.maximum ?? '…'}`);
  if (s.minLength !== undefined && s.minLength > 1) parts.push(`≥ ${s.minLength} chars`);
  if (s.maxLength !== undefined) parts.push(`≤ ${s.maxLength} chars`);
  if (s.maxItems !== undefined) parts.push(`≤ ${s.maxItems} items`);
  if (s.pattern) parts.push(`pattern \`${s.pattern.replaceAll('|', '\\|')}\``);
  if (s.default !== undefined) parts.push(`default ${JSON.stringify(s.default)}`);
  return parts.join('; ');
}

/** One row per key, depth first; array items are written `key[]`, object alternatives expanded. */
function rows(s: Schema, path: string, required: boolean, out: string[]): void {
  if (path) out.push(`| \`${path}\` | ${typeOf(s)} | ${required ? 'yes' : ''} | ${constraintsOf(s)} | ${(s.description ?? CONFIG_MEANINGS[path] ?? '').replaceAll('\n', ' ')} |`);
  const objects = [s, ...(s.anyOf ?? []), ...(s.items ? [s.items, ...(s.items.anyOf ?? [])] : [])].filter((o) => o.properties);
  const prefix = s.items ? `${path}[]` : path;
  for (const o of objects) {
    for (const [key, child] of Object.entries(o.properties!)) rows(child, prefix ? `${prefix}.${key}` : key, o.required?.includes(key) ?? false, out);
  }
}

export function renderConfigReference(schema: object): string {
  const out = [
    '# Configuration file reference',
    '',
    'Generated from the schema the engine validates `ACD_CONFIG` with (`npm run docs:config`; a test',
    'fails when this file is stale). YAML or JSON. A bad value stops start-up naming the key, e.g.',
    '`config error: queues[0].ringTimeoutS: must be >= 1`. Environment variables are in the',
    '[operator guide](operator-guide.md); `config/acd.yaml` is a commented example.',
    '',
    '| key | type | required | limits | meaning |',
    '|---|---|---|---|---|',
  ];
  rows(schema as Schema, '', false, out);
  return out.join('\n') + '\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { ConfigFileSchema } = await import('../config.js');
  writeFileSync(CONFIG_REFERENCE_PATH, renderConfigReference(ConfigFileSchema));
  console.log(`wrote ${CONFIG_REFERENCE_PATH}`);
}
