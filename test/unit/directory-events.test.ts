// Pure pieces of the live directory: who left and who moved between two organisations, and the
// platforms' contact events as DirectoryChanges (Feishu envelopes, DingTalk Stream data).
import { describe, expect, it } from 'vitest';
import { dingtalkContactChanges } from '../../src/channels/dingtalk/contact-events.js';
import { contactChanges, isContactEvent } from '../../src/channels/feishu/contact-events.js';
import { diffPeople, isEmptyDiff } from '../../src/core/directory/diff.js';

describe('diffPeople', () => {
  it('lists leavers and movers, in id order, and nothing for newcomers or unchanged people', () => {
    const before = [{ id: 'b', dept: 'x' }, { id: 'a', dept: 'x' }, { id: 'c', dept: 'y' }, { id: 'd', dept: 'y' }];
    const after = [{ id: 'c', dept: 'y' }, { id: 'd', dept: 'x' }, { id: 'e', dept: 'x' }];
    const diff = diffPeople(before, after);
    expect(diff).toEqual({ left: ['a', 'b'], moved: [{ personId: 'd', fromDept: 'y', toDept: 'x' }] });
    expect(isEmptyDiff(diff)).toBe(false);
    expect(isEmptyDiff(diffPeople(after, [...after, { id: 'new', dept: 'x' }]))).toBe(true);
  });
});

describe('Feishu contact events', () => {
  it('name the open_id or open_department_id, whatever else the event carries', () => {
    expect(isContactEvent('contact.user.updated_v3')).toBe(true);
    expect(isContactEvent('im.message.receive_v1')).toBe(false);
    expect(contactChanges('contact.user.created_v3', { object: { open_id: 'ou_1', name: 'x' } })).toEqual([{ platform: 'feishu', kind: 'user_upserted', userId: 'ou_1' }]);
    // deleted_v3: the object's department_ids are empty; the id is still there (or in old_object).
    expect(contactChanges('contact.user.deleted_v3', { object: {}, old_object: { open_id: 'ou_2' } })).toEqual([{ platform: 'feishu', kind: 'user_left', userId: 'ou_2' }]);
    expect(contactChanges('contact.department.updated_v3', { object: { open_department_id: 'od-1', department_id: 'D1' } })).toEqual([{ platform: 'feishu', kind: 'department_upserted', departmentId: 'od-1' }]);
    expect(contactChanges('contact.department.deleted_v3', { object: { open_department_id: 'od-2' } })).toEqual([{ platform: 'feishu', kind: 'department_removed', departmentId: 'od-2' }]);
    expect(contactChanges('contact.user.updated_v3', { object: {} })).toEqual([]);
  });
});

describe('DingTalk contact events', () => {
  it('turn every id of the Stream data (camelCase) or the callback form (PascalCase) into a change', () => {
    expect(dingtalkContactChanges('user_add_org', { userId: ['u1', 'u2'] })).toEqual([
      { platform: 'dingtalk', kind: 'user_upserted', userId: 'u1' },
      { platform: 'dingtalk', kind: 'user_upserted', userId: 'u2' },
    ]);
    expect(dingtalkContactChanges('user_leave_org', { UserId: ['u3'] })).toEqual([{ platform: 'dingtalk', kind: 'user_left', userId: 'u3' }]);
    expect(dingtalkContactChanges('org_dept_create', { deptId: [581208264] })).toEqual([{ platform: 'dingtalk', kind: 'department_upserted', departmentId: '581208264' }]);
    expect(dingtalkContactChanges('org_dept_remove', { DeptId: [7] })).toEqual([{ platform: 'dingtalk', kind: 'department_removed', departmentId: '7' }]);
    expect(dingtalkContactChanges('label_user_change', { userId: ['u1'] })).toBeUndefined();
  });
});
