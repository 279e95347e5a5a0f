/**
 * config/systemd: the engine's unit and Redis's drop-in, validated by systemd itself
 * (`systemd-analyze verify`, Debian's systemd package, installed when missing and root), and what
 * an operator relies on: the Docker image's entry point, a restart after a lost lease but not
 * after a configuration error (the engine's own exit codes), the CPU weight of
 * docs/operations.md, an environment file naming only documented variables and no secret.
 */
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { debianTool } from '../helpers/debianTool.js';

const run = promisify(execFile);
const UNIT = 'config/systemd/acd.service';
const REDIS_DROP_IN = 'config/systemd/redis-server.service.d/acd-priority.conf';
const ENV_EXAMPLE = 'config/systemd/acd.env.example';

const analyze = debianTool('systemd-analyze', 'systemd');

/** `Key=Value` settings by section; a key given twice keeps both values. */
async function unitSettings(path: string): Promise<Record<string, Record<string, string[]>>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let section: Record<string, string[]> | undefined;
  for (const line of (await readFile(path, 'utf8')).split('\n')) {
    const header = /^\[(\w+)\]$/.exec(line.trim());
    if (header) section = sections[header[1]!] = {};
    const setting = /^(\w+)=(.*)$/.exec(line);
    if (setting && section) (section[setting[1]!] ??= []).push(setting[2]!);
  }
  return sections;
}

/** The engine started with `env` only (no REDIS_URL, no ACD_CONFIG...): its exit code. */
function engineExitCode(env: Record<string, string>): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { PATH: process.env.PATH, ...env }, stdio: 'ignore' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
}

describe('config/systemd/acd.service', () => {
  it('is a unit systemd accepts with nothing ignored', async (ctx) => {
    if (!analyze.path) return ctx.skip(`systemd-analyze not available: ${analyze.skipReason}`);
    // A misspelt or out-of-range setting is only a warning on stderr: the unit would run without it.
    const { stderr } = await run(analyze.path, ['verify', UNIT]);
    expect(stderr).toBe('');
  });

  it("runs the Docker image's entry point, restarts after a lost lease and not after a configuration error", async () => {
    const service = (await unitSettings(UNIT)).Service!;
    const dockerCmd = (await readFile('docker/Dockerfile', 'utf8')).split('\n').find((l) => l.startsWith('CMD '))!;
    expect(service.ExecStart).toEqual([(JSON.parse(dockerCmd.slice(4)) as string[]).join(' ')]);
    expect(service.Restart).toEqual(['always']);
    expect(service.RestartPreventExitStatus).toEqual(['2']);
    // The engine's exit code for a configuration it cannot start with is the one not restarted.
    expect(await engineExitCode({ ARI_URL: 'http://127.0.0.1:1' })).toBe(2);
    expect(service.EnvironmentFile).toEqual(['/etc/acd/acd.env']);
    expect(service.Environment!.join(' ')).toContain('ACD_CONFIG=/etc/acd/acd.yaml');
    expect(service.User).toEqual(['acd']);
  }, 30_000);

  it('gives the engine and Redis the CPU weight and priority docs/operations.md recommends', async () => {
    const engine = (await unitSettings(UNIT)).Service!;
    const redis = (await unitSettings(REDIS_DROP_IN)).Service!;
    for (const settings of [engine, redis]) expect([settings.CPUWeight, settings.Nice]).toEqual([['1000'], ['-10']]);
    const operations = await readFile('docs/operations.md', 'utf8');
    expect(operations).toContain('`CPUWeight=1000`');
    expect(operations).toContain('`Nice=-10`');
  });

  it('comes with an environment file that names only documented variables and holds no secret', async () => {
    const guide = await readFile('docs/operator-guide.md', 'utf8');
    const settings = (await readFile(ENV_EXAMPLE, 'utf8'))
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split('=') as [string, string]);
    expect(settings.map(([name]) => name)).toEqual(expect.arrayContaining(['ARI_URL', 'ARI_PASSWORD', 'REDIS_URL', 'ACD_ADMIN_KEY']));
    for (const [name] of settings) expect(guide, `${name} in the operator guide`).toMatch(new RegExp(`^\\| [^|]*\`${name}\``, 'm'));
    for (const [name, value] of settings) if (/PASSWORD|KEY/.test(name)) expect(value, name).toBe('');
  });
});
