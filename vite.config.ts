// The browser front-ends (src/web/<app>/index.html, one page per app: the simulator and the
// console) built into web-dist/, which the server serves (src/simulator/page.ts).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const web = fileURLToPath(new URL('./src/web/', import.meta.url));

export default defineConfig({
  root: web,
  base: '/',
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('./web-dist/', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The console's dashboard chunk is ECharts (bar + pie, canvas: about 530 kB, 177 kB gzipped), loaded only when the dashboard opens.
    chunkSizeWarningLimit: 600,
    rollupOptions: { input: { simulator: `${web}simulator/index.html`, console: `${web}console/index.html` } },
  },
});
