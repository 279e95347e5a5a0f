/**
 * Redis MONITOR over a plain socket: every command the server runs (Lua-internal ones included)
 * as its argument list. Not ioredis's monitor(): on the shared test Redis the lines of other test
 * files flood in right after MONITOR's OK, and ioredis then fails with "Command queue state error".
 */
import { connect, type Socket } from 'node:net';
import { inject } from 'vitest';

export interface RedisMonitor {
  /** Argument lists seen so far, in the order the server ran them. */
  readonly commands: string[][];
  close(): void;
}

/** The quoted arguments of one MONITOR line (`+<time> [<db> <addr>] "cmd" "arg"...`), unescaped. */
function argsOf(line: string): string[] {
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'));
}

export async function monitorRedis(): Promise<RedisMonitor> {
  const url = new URL(inject('redisUrl'));
  const socket: Socket = connect(Number(url.port || 6379), url.hostname);
  const commands: string[][] = [];
  let buffered = '';
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.write('MONITOR\r\n');
      resolve();
    });
  });
  await new Promise<void>((resolve) => {
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\r\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '+OK') resolve();
        else if (line.startsWith('+')) commands.push(argsOf(line));
      }
    });
  });
  socket.on('error', () => undefined); // closed by us
  return { commands, close: () => socket.destroy() };
}
