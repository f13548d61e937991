// Where the browser test finds Chromium: $CHROMIUM_PATH when it exists, else what
// prepare-machine.sh located or installed (written under node_modules/.cache), else Debian's.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export function locateChromium(): string {
  const candidates = [process.env.CHROMIUM_PATH, readPrepared(), '/usr/bin/chromium'];
  const found = candidates.find((c): c is string => !!c && existsSync(c));
  if (!found) throw new Error(`Chromium not found (tried ${candidates.filter(Boolean).join(', ')}): run bash test/support/prepare-machine.sh`);
  return found;
}

function readPrepared(): string | undefined {
  const file = resolve(import.meta.dirname, '../../node_modules/.cache/qianpi/chromium-path');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}
