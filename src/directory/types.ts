// What a platform's contacts API tells us about the organisation, in one shape for every
// platform: the input of linking (one person across platforms) and of the synced directory.
import type { RemotePlatform } from '../org/schema.js';

/** A department as the platform has it. Ids are the platform's own, as strings. */
export interface PlatformDepartment {
  id: string;
  /** null for the platform's root department. */
  parentId: string | null;
  name: string;
  /** Platform user ids of the department's leaders, main leader first. */
  leaderIds: string[];
}

/** Whether the platform still counts the person as staff. */
export type PlatformUserStatus = 'active' | 'suspended' | 'inactive' | 'left';

/** A person as one platform has them; absent keys mean the platform did not say (scope, age). */
export interface PlatformUser {
  /** The tenant-wide id we address the person by on this platform (Feishu open_id of our app, DingTalk userid, WeCom userid). */
  userId: string;
  name: string;
  status: PlatformUserStatus;
  departmentIds: string[];
  /** The department the platform calls primary, when it says. */
  primaryDepartmentId?: string;
  title?: string;
  /** Platform user id of the direct manager. */
  managerId?: string;
  /** Linking keys. */
  employeeNo?: string;
  mobile?: string;
  email?: string;
  /** Feishu user_id / union_id, DingTalk unionid: kept for re-linking when userId changes. */
  altIds?: Record<string, string>;
}

/** A platform identity as the synced directory holds it: whom it is linked to, and since when it is gone. */
export interface SyncedIdentity extends PlatformUser {
  platform: RemotePlatform;
  personId: string;
  leftAt: Date | null;
}

export interface SyncedDepartment extends PlatformDepartment {
  platform: RemotePlatform;
}

/** One full read of a platform's directory. */
export interface PlatformDirectory {
  platform: RemotePlatform;
  rootId: string;
  departments: PlatformDepartment[];
  users: PlatformUser[];
  /**
   * What the platform would not give (a missing scope, an app too new for mobile and email,
   * a department outside the app's range): one line each, for the admin and the README's table.
   */
  gaps: DirectoryGap[];
}

export interface DirectoryGap {
  /** e.g. 'field:employeeNo', 'field:mobile', 'department:od-123'. */
  what: string;
  /** The platform's code or our reason, e.g. '99991672', '60011', 'app-created-after-2022-06-20'. */
  why: string;
}

/** One change the platform pushed (an event), normalised. The sync re-reads what it names. */
export type DirectoryChange =
  | { platform: RemotePlatform; kind: 'user_upserted'; userId: string; user?: PlatformUser }
  | { platform: RemotePlatform; kind: 'user_left'; userId: string }
  | { platform: RemotePlatform; kind: 'user_renamed'; userId: string; newUserId: string }
  | { platform: RemotePlatform; kind: 'department_upserted'; departmentId: string; department?: PlatformDepartment }
  | { platform: RemotePlatform; kind: 'department_removed'; departmentId: string };

/**
 * What a receiver hands on: one platform event's changes under the platform's event id (the
 * dedupe key), queued for the directory worker. 'unavailable' asks the platform to retry.
 */
export type DirectoryIntake = (platform: RemotePlatform, eventId: string, changes: DirectoryChange[]) => Promise<'accepted' | 'unavailable'>;

/** Reads a platform's directory. Throws DirectoryReadError when the read cannot complete. */
export interface DirectoryReader {
  readonly platform: RemotePlatform;
  readAll(): Promise<PlatformDirectory>;
  readUser(userId: string): Promise<PlatformUser | null>;
  readDepartment(departmentId: string): Promise<PlatformDepartment | null>;
}

/** A read that could not finish: retryable (rate limit, 5xx, network) or not (permission, config). */
export class DirectoryReadError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly code: string,
    /** Seconds the platform asked us to wait, when it said. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'DirectoryReadError';
  }
}
