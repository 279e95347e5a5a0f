/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser). Like redis-server,
 * it is installed from Debian's packages when missing and running as root, so `npm test` works on
 * a fresh machine; otherwise the page tests fail saying how to install it.
 */
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { findOrInstall } from '../../src/infra/debianPackage.js';

export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? (await findOrInstall('chromium', 'chromium'));
  return chromium.launch({
    executablePath,
    // Root in CI needs --no-sandbox; the rest keeps Chromium off the (closed) network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Per test file one Chromium, per test the pages it opened, closed after the test. Call it after
 * registering the clean-up of what the pages talk to: after-hooks run last-registered first, so the
 * pages close before the engine does.
 */
export function useBrowser(): { newPage(options?: BrowserContextOptions): Promise<Page> } {
  let browser: Browser | undefined;
  const pages: Page[] = [];
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 300_000); // may first install Debian's chromium
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    for (const page of pages.splice(0)) await page.close();
  });
  return {
    async newPage(options) {
      const page = await browser!.newPage(options);
      pages.push(page);
      return page;
    },
  };
}
