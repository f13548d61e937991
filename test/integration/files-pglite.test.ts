// The file store on the embedded PGlite (the default without DATABASE_URL): chunked bytea in and
// out, one copy of the same bytes, and nothing left of a refused upload.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/store/db.js';
import { fileChunks, files } from '../../src/store/schema.js';
import { postgresFileStore } from '../../src/store/files-repo.js';
import { exe, png } from '../support/files.js';

const dataDir = mkdtempSync(join(tmpdir(), 'qianpi-files-'));
let database: Database;
beforeAll(async () => {
  database = await openDatabase({ dataDir });
  await database.migrate();
});
afterAll(async () => {
  await database?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function* pieces(buf: Buffer, size = 64 * 1024): AsyncIterable<Uint8Array> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}
const images = { maxBytes: 1024 * 1024, accepts: (mime: string) => mime.startsWith('image/') };
const rows = async () => ({ files: (await database.db.select().from(files)).length, chunks: (await database.db.select().from(fileChunks)).length });

describe('file store on PGlite', () => {
  it('streams a file in and out in chunks, and stores the same bytes once', async () => {
    expect(database.kind).toBe('pglite');
    const store = postgresFileStore(database.db);
    const bytes = png(3, 600_000);
    const first = await store.put(pieces(bytes), images);
    expect(first).toMatchObject({ ok: true, deduplicated: false, file: { mime: 'image/png', size: bytes.length } });
    const again = await store.put(pieces(bytes, 1000), images);
    expect(again).toMatchObject({ ok: true, deduplicated: true });
    if (!first.ok || !again.ok) throw new Error('unreachable');
    expect(again.file.id).toBe(first.file.id);
    expect(await rows()).toEqual({ files: 1, chunks: 3 });
    const back: Buffer[] = [];
    for await (const c of store.read(first.file.id)) back.push(c);
    expect(Buffer.concat(back).equals(bytes)).toBe(true);
  });

  it('leaves nothing of a file too big or of the wrong type', async () => {
    const store = postgresFileStore(database.db);
    const before = await rows();
    expect(await store.put(pieces(png(4, 1.5 * 1024 * 1024)), images)).toEqual({ ok: false, reason: 'too_big', mime: 'image/png' });
    expect(await store.put(pieces(exe()), images)).toEqual({ ok: false, reason: 'wrong_type', mime: 'application/x-msdownload' });
    expect(await rows()).toEqual(before);
  });
});
