// WeCom `change_contact` callbacks as DirectoryChanges (成员变更通知 developer.work.weixin.qq.com/
// document/path/90970, 部门变更通知 …/90971). WeCom sends them to the 通讯录同步助手's callback URL
// (and to 代开发 apps), not to an ordinary self-built app: Qianpi serves them on the app's URL and,
// with WECOM_CONTACT_TOKEN / WECOM_CONTACT_ENCODING_AES_KEY, on /webhooks/wecom/contacts. Since
// 2022-08-15 they carry little more than ids, so the sync re-reads what they name through the app.
import { createHash } from 'node:crypto';
import type { DirectoryChange } from '../../directory/types.js';
import type { XmlFields } from './xml.js';

/** The changes one callback names (empty for a change type we do not follow, e.g. update_tag). */
export function wecomContactChanges(f: XmlFields): DirectoryChange[] {
  const platform = 'wecom' as const;
  const user = f.UserID;
  const dept = f.Id;
  switch (f.ChangeType) {
    case 'create_user':
    case 'update_user': {
      if (!user) return [];
      // A renamed account moves its row (and link) first; then the new id is read.
      const renamed = f.NewUserID && f.NewUserID !== user ? f.NewUserID : undefined;
      return renamed
        ? [
            { platform, kind: 'user_renamed', userId: user, newUserId: renamed },
            { platform, kind: 'user_upserted', userId: renamed },
          ]
        : [{ platform, kind: 'user_upserted', userId: user }];
    }
    case 'delete_user':
      return user ? [{ platform, kind: 'user_left', userId: user }] : [];
    case 'create_party':
    case 'update_party':
      return dept ? [{ platform, kind: 'department_upserted', departmentId: dept }] : [];
    case 'delete_party':
      return dept ? [{ platform, kind: 'department_removed', departmentId: dept }] : [];
    default:
      return [];
  }
}

/** WeCom gives no event id: a retry repeats the same change at the same CreateTime, so this is stable. */
export function contactEventId(f: XmlFields): string {
  const what = [f.ChangeType, f.UserID, f.NewUserID, f.Id, f.ParentId].map((x) => x ?? '').join('\n');
  return `${f.CreateTime ?? '0'}-${createHash('sha256').update(what).digest('base64url').slice(0, 16)}`;
}
