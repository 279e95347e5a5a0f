import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * Checks that ARI serves its api-docs to these credentials before ari-client loads them:
 * swagger-client 2.0 *throws* from inside its HTTP callback when that load fails (e.g. 401),
 * which would be an uncaught exception. This gives a clear, catchable reason instead.
 * Uses ari-client's own URL rule: only protocol and host of `baseUrl` count.
 */
export function probeApiDocs(baseUrl: string, username: string, password: string, timeoutMs: number): Promise<void> {
  const { protocol, host } = new URL(baseUrl);
  const send = protocol === 'https:' ? httpsRequest : httpRequest;
  const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const req = send(`${protocol}//${host}/ari/api-docs/resources.json`, { agent: false, timeout: timeoutMs, headers: { authorization } }, (res) => {
      res.resume();
      if (res.statusCode === 200) return resolve();
      const hint = res.statusCode === 401 ? ' (check the ARI username and password)' : '';
      reject(new Error(`GET /ari/api-docs/resources.json answered HTTP ${res.statusCode}${hint}`));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${host} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
