// HTML to PDF with a headless Chromium (playwright-core drives it over CDP). One browser is
// started on the first render and kept; each render is a fresh page, closed after. Where no
// Chromium is installed the renderer is absent and the archive answers 503 (src/http/archive-routes.ts).
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import type { Logger } from 'pino';

export interface PdfRenderer {
  pdf(html: string): Promise<Buffer>;
  close(): Promise<void>;
}

/** Where Chromium usually is on Debian/Ubuntu (the Dockerfile installs Debian's `chromium`). */
const USUAL_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** CHROMIUM_PATH when set (it must exist), else the first usual path present, else undefined. */
export function findChromium(configured: string | undefined): string | undefined {
  if (configured) return existsSync(configured) ? configured : undefined;
  return USUAL_PATHS.find((p) => existsSync(p));
}

export function createPdfRenderer(executablePath: string, log: Logger): PdfRenderer {
  let browser: Promise<Browser> | undefined;
  const start = () => {
    browser ??= chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] }).then((b) => {
      b.on('disconnected', () => {
        browser = undefined;
      });
      return b;
    });
    return browser.catch((err: unknown) => {
      browser = undefined;
      throw err;
    });
  };
  return {
    async pdf(html) {
      const b = await start();
      const ctx = await b.newContext({ javaScriptEnabled: false, offline: true });
      try {
        const page = await ctx.newPage();
        // Everything the page needs is inline (images as data: URLs): no request leaves the page.
        await page.setContent(html, { waitUntil: 'load' });
        return await page.pdf({ format: 'A4', printBackground: true, margin: { top: '16mm', bottom: '16mm', left: '14mm', right: '14mm' } });
      } finally {
        await ctx.close().catch((err: unknown) => log.warn({ err }, 'closing a PDF page failed'));
      }
    },
    async close() {
      const b = browser;
      browser = undefined;
      if (b) await (await b.catch(() => undefined))?.close();
    },
  };
}
