// Entry point: parse configuration, build the app, start the roles, shut down in order on
// SIGTERM/SIGINT within a hard deadline. Bad configuration exits non-zero naming the field.
import { buildApp } from './app.js';
import { createLogger } from './logger.js';
import { ConfigError, loadConfig } from './config.js';
import { t } from './core/messages.js';
import { MigrationError } from './store/db.js';
import { OrgFileError } from './org/load.js';
import { RedisUnavailableError } from './queue/redis.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`qianpi: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config);
  let app;
  try {
    app = await buildApp({ config, log });
    await app.start();
  } catch (err) {
    if (err instanceof OrgFileError || err instanceof RedisUnavailableError || err instanceof MigrationError) {
      console.error(`qianpi: ${err.message}`);
      await app?.stop();
      process.exit(2);
    }
    log.fatal({ err }, 'start-up failed');
    await app?.stop();
    process.exit(1);
  }
  const started = app;
  const where = `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${config.PORT}`;
  log.info({ role: config.PROCESS_ROLE, database: started.database.kind, channels: [...started.channels.keys()] }, `qianpi is up at ${where}`);
  if (config.simulatorEnabled && config.PROCESS_ROLE !== 'worker') console.log(`\n  ${t(config.LOCALE, 'app.simulator_banner', { where })}\n`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    started.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

await main();
