/** A minimal Server-Sent Events client over fetch for tests: keeps every frame it parsed. */
export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
  comment?: string;
}

export interface SseClient {
  status: number;
  contentType: string | null;
  frames: SseFrame[];
  /** Frames that carry an event. */
  events(): SseFrame[];
  /** Resolves when the server ends the stream (or the client closes it). */
  ended: Promise<void>;
  close(): void;
}

function parseFrame(block: string): SseFrame {
  const frame: SseFrame = {};
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) frame.comment = line.slice(1).trim();
    else {
      const colon = line.indexOf(':');
      const field = line.slice(0, colon) as keyof SseFrame;
      frame[field] = line.slice(colon + 1).replace(/^ /, '');
    }
  }
  return frame;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const frames: SseFrame[] = [];
  const ended = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of res.body) {
      buffered += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        frames.push(parseFrame(buffered.slice(0, end)));
        buffered = buffered.slice(end + 2);
      }
    }
  })().catch((err: unknown) => {
    if (!abort.signal.aborted) throw err;
  });
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    frames,
    events: () => frames.filter((f) => f.event !== undefined),
    ended,
    close: () => abort.abort(),
  };
}

/**
 * Shuts the server down and waits for every client's stream to end: the server writes everything
 * it fanned out before its close frame, so what a client has then is all it will ever get.
 */
export async function endStreams(closeServer: () => Promise<void>, clients: SseClient[]): Promise<void> {
  await closeServer();
  await Promise.all(clients.map((c) => c.ended));
}
