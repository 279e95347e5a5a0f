import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigFileSchema } from '../../src/config.js';
import { CONFIG_MEANINGS } from '../../src/docs/configMeanings.js';
import { CONFIG_REFERENCE_PATH, renderConfigReference } from '../../src/docs/configReference.js';

describe('configuration reference', () => {
  const doc = renderConfigReference(ConfigFileSchema);

  it('is up to date with the schema (run `npm run docs:config`)', () => {
    expect(readFileSync(CONFIG_REFERENCE_PATH, 'utf8')).toBe(doc);
  });

  it('lists nested keys of queues, memberships and auth with their limits', () => {
    expect(doc).toContain('| `queues` | array of object | yes |');
    expect(doc).toContain('| `queues[].ringTimeoutS` | integer |  | 1–600 |');
    expect(doc).toContain('`agents[].queues[].penalty`');
    expect(doc).toContain('`auth.apiKeys[].role`');
  });

  it('explains only keys that exist', () => {
    for (const key of Object.keys(CONFIG_MEANINGS)) expect(doc, key).toContain(`| \`${key}\` |`);
  });
});
