/**
 * Finding a program the project needs (redis-server, chromium) and, as root, installing Debian's
 * package when it is missing: a fresh machine must work with the project's own files alone.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';

export interface CommandResult {
  code: number;
  output: string;
}

export interface InstallDeps {
  logger?: Logger;
  /** Directories searched for the binary (default: PATH). */
  searchPath?: string;
  isRoot?: boolean;
  run?: (cmd: string, args: string[]) => Promise<CommandResult>;
}

export type PackageErrorCode = 'missing' | 'install_failed';

export class PackageError extends Error {
  constructor(
    readonly code: PackageErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PackageError';
  }
}

/** Absolute path of `binary`; as root, `apt-get install`s `pkg` when it is missing (updating the lists if needed). */
export async function findOrInstall(binary: string, pkg: string, deps: InstallDeps = {}): Promise<string> {
  const searchPath = deps.searchPath ?? process.env.PATH ?? '';
  const found = findOnPath(binary, searchPath);
  if (found) return found;
  const isRoot = deps.isRoot ?? process.getuid?.() === 0;
  if (!isRoot) throw new PackageError('missing', `${binary} is not on PATH: install it (\`sudo apt-get install ${pkg}\`)`);
  const run = deps.run ?? runCommand;
  deps.logger?.warn(`${binary} is not on PATH; installing ${pkg} with apt-get`);
  let install = await run('apt-get', ['install', '-y', pkg]);
  if (install.code !== 0 && lacksPackageLists(install.output)) {
    const update = await run('apt-get', ['update']);
    if (update.code !== 0) throw installFailed('apt-get update', update);
    install = await run('apt-get', ['install', '-y', pkg]);
  }
  if (install.code !== 0) throw installFailed(`apt-get install -y ${pkg}`, install);
  const installed = findOnPath(binary, `${searchPath}${path.delimiter}/usr/bin${path.delimiter}/usr/sbin`);
  if (!installed) throw new PackageError('install_failed', `apt-get installed ${pkg} but ${binary} is still not found`);
  return installed;
}

/** apt says this when the package index was never fetched (fresh containers). */
const lacksPackageLists = (output: string) => /Unable to locate package|has no installation candidate|package lists/i.test(output);

const installFailed = (what: string, r: CommandResult) => new PackageError('install_failed', `${what} failed (exit ${r.code}): ${r.output.trim().slice(-500)}`);

function findOnPath(binary: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, binary);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function runCommand(cmd: string, args: string[]): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', (err) => resolve({ code: -1, output: err.message }));
    child.once('close', (code) => resolve({ code: code ?? -1, output }));
  });
}
