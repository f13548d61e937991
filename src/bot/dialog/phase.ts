// Where a person's dialog stands, for a client that offers the words the dialog understands
// as one-tap replies (the simulator's chips): 返回 / 跳过 / 取消 while asking, 确认 / 修改 /
// 取消 on the confirmation, nothing when no dialog is open (or it has idled out).
import { fieldKind } from '../../core/fields/index.js';
import type { Directory } from '../../org/directory.js';
import type { DialogSession } from './types.js';

export interface DialogPhase {
  phase: 'ask' | 'confirm' | null;
  /** 返回 goes somewhere (an earlier answer, or the confirmation after 修改 <字段>). */
  back: boolean;
  /** The field being asked may be left empty. */
  skip: boolean;
  /** The field being asked takes files (only present when it does). */
  files?: boolean;
}

export function dialogPhase(s: DialogSession | null, dir: Directory, now: Date, idleMs: number): DialogPhase {
  const none: DialogPhase = { phase: null, back: false, skip: false };
  if (!s || now.getTime() - Date.parse(s.updatedAt) > idleMs) return none;
  if (s.phase === 'confirm') return { phase: 'confirm', back: false, skip: false };
  const field = s.field ? dir.requestType(s.type)?.fields.find((f) => f.key === s.field) : undefined;
  const files = !!field && fieldKind(field.kind).files === true;
  return { phase: 'ask', back: s.back.length > 0 || s.returnTo === 'confirm', skip: !!field && !field.required, ...(files ? { files } : {}) };
}
