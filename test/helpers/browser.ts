/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser). Like redis-server,
 * it is installed from Debian's packages when missing and running as root, so `npm test` works on
 * a fresh machine; otherwise the page tests fail saying how to install it.
 */
import { chromium, type Browser } from 'playwright-core';
import { findOrInstall } from '../../src/infra/debianPackage.js';

export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? (await findOrInstall('chromium', 'chromium'));
  return chromium.launch({
    executablePath,
    // Root in CI needs --no-sandbox; the rest keeps Chromium off the (closed) network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
