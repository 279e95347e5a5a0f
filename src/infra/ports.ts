/** `npm run demo` and `npm run sim` on a machine where their usual port is taken: take another and say so. */
import net from 'node:net';

export interface ChosenPort {
  port: number;
  /** Set when `wanted` was taken and another port was picked instead. */
  takenBy?: string;
}

/** `wanted` when it can be bound on `host`, otherwise a free port (0 means any free port). */
export async function portOrFree(host: string, wanted: number): Promise<ChosenPort> {
  const tried = await tryBind(host, wanted);
  if (typeof tried === 'number') return { port: tried };
  const free = await tryBind(host, 0);
  if (typeof free !== 'number') throw free;
  return { port: free, takenBy: tried.code === 'EADDRINUSE' ? 'in use' : (tried.code ?? tried.message) };
}

function tryBind(host: string, port: number): Promise<number | NodeJS.ErrnoException> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err));
    server.listen(port, host, () => {
      const bound = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(bound));
    });
  });
}
