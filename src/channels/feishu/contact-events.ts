// Feishu contact change events (contact.user.*_v3, contact.department.*_v3) as DirectoryChanges.
// They name what changed; the sync re-reads it through the contact API, so what an event carries
// (which depends on the app's field scopes) never matters. Pages: open.feishu.cn/document/
// server-docs/contact-v3/user/events/{created,updated,deleted} and …/department/events/…;
// see docs/channels/feishu.md#directory-events.
import type { DirectoryChange } from '../../directory/types.js';
import { isObj } from './normalise.js';

export const CONTACT_EVENTS = [
  'contact.user.created_v3',
  'contact.user.updated_v3',
  'contact.user.deleted_v3',
  'contact.department.created_v3',
  'contact.department.updated_v3',
  'contact.department.deleted_v3',
] as const;

export const isContactEvent = (type: unknown): boolean => typeof type === 'string' && (CONTACT_EVENTS as readonly string[]).includes(type);

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The changes one event names (empty when it names nothing we can read). `event` is the envelope's `event`. */
export function contactChanges(eventType: string, event: unknown): DirectoryChange[] {
  const e = isObj(event) ? event : {};
  const object = isObj(e.object) ? e.object : {};
  const old = isObj(e.old_object) ? e.old_object : {};
  const platform = 'feishu' as const;
  if (eventType.startsWith('contact.user.')) {
    // We address people by open_id (the readers ask with user_id_type=open_id).
    const userId = str(object.open_id) ?? str(old.open_id);
    if (!userId) return [];
    return [eventType === 'contact.user.deleted_v3' ? { platform, kind: 'user_left', userId } : { platform, kind: 'user_upserted', userId }];
  }
  const departmentId = str(object.open_department_id) ?? str(old.open_department_id);
  if (!departmentId) return [];
  return [eventType === 'contact.department.deleted_v3' ? { platform, kind: 'department_removed', departmentId } : { platform, kind: 'department_upserted', departmentId }];
}
