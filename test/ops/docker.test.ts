/**
 * docker/compose.yaml validated by Compose itself (Debian's docker-compose, installed when
 * missing and root), and the properties an operator relies on: loopback ports by default, no
 * password or key in the repository, Redis with AOF, the dialplan with [acd-consult]; the
 * Dockerfile builds compiled JS with runtime dependencies only and runs as a non-root user.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { debianTool } from '../helpers/debianTool.js';

const run = promisify(execFile);
const SECRETS = { ARI_PASSWORD: 'test-ari-password', ACD_ADMIN_KEY: 'test-admin-key-0123456789' };
const compose = debianTool('docker-compose', 'docker-compose');

async function config(env: Record<string, string>): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout } = await run(compose.path!, ['-f', 'docker/compose.yaml', 'config'], { env: { PATH: process.env.PATH, ...env } });
    return { ok: true, out: stdout };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

interface Service {
  ports?: (string | { host_ip?: string; published?: string | number })[];
  command?: string[] | string;
  environment?: Record<string, string>;
  volumes?: (string | { source?: string; target?: string })[];
  cpu_shares?: number;
}

describe('docker/compose.yaml', () => {
  it('is valid Compose, publishes on 127.0.0.1 only by default and needs the secrets from the environment', async (ctx) => {
    if (!compose.path) return ctx.skip(`docker-compose not available: ${compose.skipReason}`);
    const refused = await config({});
    expect(refused.ok).toBe(false);
    expect(refused.out).toContain('ARI_PASSWORD');

    const valid = await config(SECRETS);
    expect(valid.ok, valid.out).toBe(true);
    const services = (parse(valid.out) as { services: Record<string, Service> }).services;
    expect(Object.keys(services).sort()).toEqual(['acd', 'asterisk', 'redis']);
    const published = Object.values(services).flatMap((s) => s.ports ?? []);
    expect(published.length).toBeGreaterThan(0);
    for (const p of published) expect(typeof p === 'string' ? p : p.host_ip).toMatch(/^127\.0\.0\.1/);
    expect(services.redis!.ports).toBeUndefined();
    expect(services.redis!.command).toEqual(expect.arrayContaining(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']));
    // The engine and Redis outweigh Asterisk's thread per channel for the CPU (docs/operations.md).
    expect(services.asterisk!.cpu_shares).toBeUndefined();
    expect([services.acd!.cpu_shares, services.redis!.cpu_shares]).toEqual([10240, 10240]);
    expect(services.acd!.environment).toMatchObject({ REDIS_URL: 'redis://redis:6379', ARI_URL: 'http://asterisk:8088', ARI_PASSWORD: SECRETS.ARI_PASSWORD, ACD_ADMIN_KEY: SECRETS.ACD_ADMIN_KEY });

    const lan = await config({ ...SECRETS, BIND_ADDRESS: '192.0.2.10' });
    expect(lan.out).toContain('192.0.2.10');
  });

  it('ships no ARI password, no allowed_origins=* and a dialplan with [acd-consult]', async () => {
    const text = await readFile('docker/compose.yaml', 'utf8');
    expect(text).not.toMatch(/password\s*=\s*asterisk|ARI_PASSWORD:\s*asterisk/i);
    expect(text).not.toContain('allowed_origins');
    expect(text).not.toContain('network_mode');
    const dialplan = await readFile('dialplan/extensions.conf', 'utf8');
    expect(dialplan).toMatch(/^\[acd-consult\]\s*\nexten => _\[0-9a-zA-Z\]\.,1,Stasis\(acd,\$\{EXTEN\}\)/m);
  });
});

describe('docker/Dockerfile', () => {
  it('builds compiled JS, installs runtime dependencies only and runs as a non-root user', async () => {
    const lines = (await readFile('docker/Dockerfile', 'utf8')).split('\n').filter((l) => !l.startsWith('#'));
    const runtime = lines.slice(lines.lastIndexOf(lines.filter((l) => l.startsWith('FROM ')).at(-1)!));
    expect(lines.join('\n')).toContain('RUN npm run build');
    expect(runtime).toContain('RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force');
    expect(runtime.find((l) => l.startsWith('USER '))).toBe('USER node');
    expect(runtime.find((l) => l.startsWith('CMD '))).toBe('CMD ["node", "dist/main.js"]');
    expect(runtime.join('\n')).not.toContain('COPY src');
  });
});
