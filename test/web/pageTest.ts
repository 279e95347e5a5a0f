/**
 * Per test file: one Chromium; per test: the pages it opened and the engine it started, closed
 * after the test. `pageTest()` is called at the top level of a test file.
 */
import type { BrowserContextOptions, Page } from 'playwright-core';
import { afterEach } from 'vitest';
import type { AuthFile } from '../../src/auth/settings.js';
import type { ConfigFile } from '../../src/config.js';
import { useBrowser } from '../helpers/browser.js';
import { startPageEngine, type PageEngine } from './pageEngine.js';

export interface PageTest {
  newPage(options?: BrowserContextOptions): Promise<Page>;
  startEngine(file: ConfigFile, auth?: AuthFile): Promise<PageEngine>;
}

export function pageTest(): PageTest {
  let engine: PageEngine | undefined;
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
  });
  const { newPage } = useBrowser();
  return {
    newPage,
    async startEngine(file, auth) {
      engine = await startPageEngine(file, auth);
      return engine;
    },
  };
}
