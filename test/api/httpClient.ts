/** Requests over real HTTP (fetch) against a listening API, with an optional API key. */
export interface HttpReply {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test replies are inspected freely
  body: any;
  text: string;
}

export interface RequestOptions {
  key?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export type HttpClient = (method: string, path: string, opts?: RequestOptions) => Promise<HttpReply>;

export function httpClient(baseUrl: string): HttpClient {
  return async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.key !== undefined) headers['x-api-key'] = opts.key;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(baseUrl + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON (metrics, html)
    }
    return { status: res.status, headers: res.headers, body, text };
  };
}

/** Keys for `auth` sections in tests (16+ characters, as the schema wants). */
export const KEYS = {
  admin: 'admin-key-0123456789',
  supervisor: 'supervisor-key-0123456789',
  agent1001: 'agent-1001-key-0123456789',
};

export const TEST_AUTH = {
  mode: 'keys' as const,
  apiKeys: [
    { key: KEYS.admin, role: 'admin' as const, name: 'admin' },
    { key: KEYS.supervisor, role: 'supervisor' as const, name: 'sup' },
    { key: KEYS.agent1001, role: 'agent' as const, agentId: '1001', name: 'agent-1001' },
  ],
};
