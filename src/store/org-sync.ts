// Mirrors the organisation file into the database at boot, so SQL reports and joins see the
// same people, departments and rooms. The file stays authoritative; removed people are kept
// (their history must stay readable) but marked inactive.
import { notInArray, sql } from 'drizzle-orm';
import type { Directory } from '../org/directory.js';
import type { Db } from './db.js';
import { departments, people, personIdentities, roomBindings, rooms } from './schema.js';

/** Arbitrary but fixed: replicas mirroring a new synced organisation at once take turns. */
const ORG_SYNC_LOCK = 0x51_4f_52_47; // "QORG"

export async function syncOrganisation(db: Db, dir: Directory): Promise<void> {
  const org = dir.org;
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${ORG_SYNC_LOCK})`);
    const now = new Date();
    // With a synced directory the organisation may be empty until the first sync.
    if (org.departments.length) await tx
      .insert(departments)
      .values(org.departments.map((d) => ({ id: d.id, name: d.name, parentId: d.parent ?? null, leadId: d.lead ?? null, updatedAt: now })))
      .onConflictDoUpdate({
        target: departments.id,
        set: { name: sql`excluded.name`, parentId: sql`excluded.parent_id`, leadId: sql`excluded.lead_id`, updatedAt: now },
      });
    if (org.people.length) await tx
      .insert(people)
      .values(org.people.map((p) => ({ id: p.id, name: p.name, deptId: p.dept, title: p.title ?? null, active: true, updatedAt: now })))
      .onConflictDoUpdate({
        target: people.id,
        set: { name: sql`excluded.name`, deptId: sql`excluded.dept_id`, title: sql`excluded.title`, active: true, updatedAt: now },
      });
    await tx.update(people).set({ active: false, updatedAt: now }).where(notInArray(people.id, org.people.map((p) => p.id)));
    await tx.delete(personIdentities);
    // One owner per platform id (an overlay may name an account twice: the first person keeps it).
    const seen = new Set<string>();
    const ids = org.people
      .flatMap((p) => Object.entries(p.ids).map(([platform, externalId]) => ({ platform, externalId, personId: p.id })))
      .filter((i) => !seen.has(`${i.platform}:${i.externalId}`) && seen.add(`${i.platform}:${i.externalId}`));
    if (ids.length) await tx.insert(personIdentities).values(ids);
    if (org.rooms.length) {
      await tx
        .insert(rooms)
        .values(org.rooms.map((r) => ({ id: r.id, name: r.name, updatedAt: now })))
        .onConflictDoUpdate({ target: rooms.id, set: { name: sql`excluded.name`, updatedAt: now } });
    }
    await tx.delete(roomBindings);
    const binds = org.rooms.flatMap((r) => Object.entries(r.ids).map(([platform, externalId]) => ({ roomId: r.id, platform, externalId })));
    if (binds.length) await tx.insert(roomBindings).values(binds);
  });
}
