// The browser test needs the built front-end (web-dist/, `npm run build:web`, which `npm test`
// runs first); a run of that file alone builds it when it is missing.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { WEB_DIST } from '../../src/simulator/page.js';

export function ensureWebBuild(): void {
  if (existsSync(join(WEB_DIST, 'simulator/index.html')) && existsSync(join(WEB_DIST, 'console/index.html'))) return;
  execFileSync('npm', ['run', 'build:web'], { cwd: join(WEB_DIST, '..'), stdio: 'inherit' });
}
