// `npm run db:migrate`: apply committed migrations to DATABASE_URL (or the embedded database).
import { loadConfig } from '../config.js';
import { openDatabase } from './db.js';

const config = loadConfig(process.env);
const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
try {
  await database.migrate();
  console.log(`migrations applied (${database.kind})`);
} finally {
  await database.close();
}
