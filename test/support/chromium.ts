import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, which the browser tests drive (playwright-core downloads no browser of its own). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * A headless Chromium, or an error saying how to get one: a browser test that skipped for want
 * of a browser would prove nothing, so a missing one fails the run (.ci/run installs it).
 */
export async function launchChromium(path = CHROMIUM): Promise<Browser> {
  if (!existsSync(path)) {
    throw new Error(`No Chromium at ${path}: the console's browser tests drive a real one. Install it with\n  sudo apt-get install -y chromium\n(Debian's package), or point CHROMIUM_PATH at a Chromium binary.`);
  }
  return chromium.launch({ executablePath: path, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}
