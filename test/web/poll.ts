/** expect.poll with a page-sized default timeout (vitest's is 1 s): pages refetch and reconnect, and the machine is shared. */
import { expect } from 'vitest';

export const poll = <T>(probe: () => T | Promise<T>, options: { timeout?: number; message?: string } = {}) => expect.poll(probe, { timeout: 5000, ...options });
