import { expect, it } from 'vitest';
import { findOrInstall, type CommandResult } from '../../src/infra/debianPackage.js';

const nowhere = '/nonexistent-dir';

it('finds a binary on the search path', async () => {
  expect(await findOrInstall('sh', 'dash', { searchPath: '/bin:/usr/bin' })).toMatch(/\/sh$/);
});

it('tells a non-root user which package to install', async () => {
  await expect(findOrInstall('chromium', 'chromium', { searchPath: nowhere, isRoot: false })).rejects.toMatchObject({
    code: 'missing',
    message: expect.stringContaining('sudo apt-get install chromium'),
  });
});

it('as root, runs apt-get for the named package and reports its failure', async () => {
  const calls: string[] = [];
  const run = async (cmd: string, args: string[]): Promise<CommandResult> => {
    calls.push([cmd, ...args].join(' '));
    return { code: 100, output: 'E: Could not get lock /var/lib/dpkg/lock-frontend' };
  };
  await expect(findOrInstall('chromium', 'chromium', { searchPath: nowhere, isRoot: true, run })).rejects.toMatchObject({
    code: 'install_failed',
    message: expect.stringContaining('Could not get lock'),
  });
  expect(calls).toEqual(['apt-get install -y chromium']);
});
