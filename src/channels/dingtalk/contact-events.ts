// DingTalk contact change events (通讯录事件) from the Stream connection's EVENT frames, as
// DirectoryChanges. Frame: `{type: "EVENT", headers: {eventType, eventId, eventBornTime, eventCorpId,
// messageId…}, data: "<JSON>"}`; data in camelCase: `userId: string[]` for user events, `deptId:
// number[]` for department events (PascalCase `UserId` / `DeptId` in the HTTP callback form, also
// accepted). The events carry ids only: the sync re-reads what they name. ACK `{status: SUCCESS}`
// once queued, `LATER` to have DingTalk push it again. See docs/channels/dingtalk.md#directory-events.
import type { DWClientDownStream } from 'dingtalk-stream';
import type { Logger } from 'pino';
import type { DirectoryChange, DirectoryIntake } from '../../directory/types.js';

const USER_UPSERT = new Set(['user_add_org', 'user_modify_org', 'user_active_org']);
const DEPT_UPSERT = new Set(['org_dept_create', 'org_dept_modify']);
export const CONTACT_EVENT_TYPES = ['user_add_org', 'user_modify_org', 'user_active_org', 'user_leave_org', 'org_dept_create', 'org_dept_modify', 'org_dept_remove'] as const;

const ids = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string' || typeof x === 'number').map(String) : []);

/** The changes one event names; undefined for an event type that is not a contact change. */
export function dingtalkContactChanges(eventType: string, data: Record<string, unknown>): DirectoryChange[] | undefined {
  const platform = 'dingtalk' as const;
  const users = ids(data.userId ?? data.UserId);
  const depts = ids(data.deptId ?? data.DeptId);
  if (USER_UPSERT.has(eventType)) return users.map((userId) => ({ platform, kind: 'user_upserted', userId }));
  if (eventType === 'user_leave_org') return users.map((userId) => ({ platform, kind: 'user_left', userId }));
  if (DEPT_UPSERT.has(eventType)) return depts.map((departmentId) => ({ platform, kind: 'department_upserted', departmentId }));
  if (eventType === 'org_dept_remove') return depts.map((departmentId) => ({ platform, kind: 'department_removed', departmentId }));
  return undefined;
}

export type EventAckStatus = 'SUCCESS' | 'LATER';

/** Handles one EVENT frame: normalise → queue → ack. Anything not a contact change is acked and ignored. */
export function contactEventHandler(directory: DirectoryIntake, log: Logger) {
  return async (frame: DWClientDownStream): Promise<EventAckStatus> => {
    const h = frame.headers as DWClientDownStream['headers'] & { eventType?: string; eventId?: string };
    const eventType = h.eventType ?? '';
    let data: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(frame.data);
      data = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
    } catch {
      log.warn({ eventType, messageId: h.messageId }, 'dingtalk stream: event data is not JSON, acked and ignored');
      return 'SUCCESS';
    }
    const changes = dingtalkContactChanges(eventType, data);
    if (!changes) {
      log.debug({ eventType }, 'dingtalk stream: event ignored');
      return 'SUCCESS';
    }
    // The event id dedupes DingTalk's re-pushes (and the same event on two connections).
    const eventId = h.eventId ?? h.messageId;
    return (await directory('dingtalk', eventId, changes)) === 'accepted' ? 'SUCCESS' : 'LATER';
  };
}
