/**
 * Per test file: one Chromium; per test: the pages it opened and the engine it started, closed
 * after the test. `pageTest()` is called at the top level of a test file.
 */
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { AuthFile } from '../../src/auth/settings.js';
import type { ConfigFile } from '../../src/config.js';
import { launchBrowser } from '../helpers/browser.js';
import { startPageEngine, type PageEngine } from './pageEngine.js';

export interface PageTest {
  newPage(options?: BrowserContextOptions): Promise<Page>;
  startEngine(file: ConfigFile, auth?: AuthFile): Promise<PageEngine>;
}

export function pageTest(): PageTest {
  let browser: Browser | undefined;
  const pages: Page[] = [];
  let engine: PageEngine | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 300_000); // may first install Debian's chromium
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    for (const page of pages.splice(0)) await page.close();
    await engine?.close();
    engine = undefined;
  });
  return {
    async newPage(options) {
      const page = await browser!.newPage(options);
      pages.push(page);
      return page;
    },
    async startEngine(file, auth) {
      engine = await startPageEngine(file, auth);
      return engine;
    },
  };
}
