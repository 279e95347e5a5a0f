/**
 * A Debian package's program for one test file: found, or installed (as root) before its tests;
 * where it cannot be, the reason its tests skip.
 */
import { beforeAll } from 'vitest';
import { findOrInstall, PackageError } from '../../src/infra/debianPackage.js';

export interface DebianTool {
  /** The program's path once found or installed. */
  path?: string;
  /** Why it is not there (set when `path` is not). */
  skipReason: string;
}

export function debianTool(binary: string, pkg: string): DebianTool {
  const tool: DebianTool = { skipReason: '' };
  beforeAll(async () => {
    try {
      tool.path = await findOrInstall(binary, pkg);
    } catch (err) {
      if (!(err instanceof PackageError)) throw err;
      tool.skipReason = err.message;
    }
  }, 300_000);
  return tool;
}
