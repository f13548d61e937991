// Dates in the organisation's time zone, money, names, avatars and status badges.
import { STATUS_TONE } from '../../../cards/tone.js';
import type { RequestStatus } from '../../core/model.js';
import { h } from './dom.js';
import { tr, trAny } from './i18n.js';
import { state } from './state.js';

export const BOT_ID = 'bot';

const AVATAR_COLORS = ['#3370ff', '#00a870', '#ff7d00', '#7b61ff', '#f54a45', '#14c0ff', '#d4a000', '#e3489b', '#2ea121', '#5b6ef5'];

/** A request status: its label and badge tone. */
export const statusOf = (status: string): [label: string, tone: string] => [trAny(`status.${status}`).replace(/^status\./, ''), STATUS_TONE[status as RequestStatus] ?? 'neutral'];

const STEP_STATUS = {
  waiting: ['sim.step.waiting', 'neutral', '○'],
  active: ['sim.step.active', 'pending', '●'],
  approved: ['sim.step.approved', 'approved', '✓'],
  rejected: ['sim.step.rejected', 'rejected', '✗'],
  skipped: ['sim.step.skipped', 'neutral', '–'],
  cancelled: ['sim.step.cancelled', 'neutral', '–'],
} as const;

/** A step status: its label, tone and mark. */
export function stepStatusOf(status: string): [label: string, tone: string, mark: string] {
  const s = STEP_STATUS[status as keyof typeof STEP_STATUS];
  return s ? [tr(s[0]), s[1], s[2]] : [status, 'neutral', '·'];
}

const PLATFORMS = { local: 'sim.platform.local', feishu: 'sim.platform.feishu', dingtalk: 'sim.platform.dingtalk', wecom: 'sim.platform.wecom' } as const;

export const platformName = (p: string): string => (p in PLATFORMS ? tr(PLATFORMS[p as keyof typeof PLATFORMS]) : p);

const tz = () => state.boot?.timezone || 'Asia/Shanghai';

function parts(iso: string, opts: Intl.DateTimeFormatOptions): Partial<Record<Intl.DateTimeFormatPartTypes, string>> | null {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  const out: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const p of new Intl.DateTimeFormat('zh-CN', { timeZone: tz(), hourCycle: 'h23', ...opts }).formatToParts(d)) out[p.type] = p.value;
  return out;
}

/** 2026-12-20 18:00 in the organisation's time zone. */
export function fmtDateTime(iso: string): string {
  const p = parts(iso, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  return p ? `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}` : String(iso);
}

export function fmtTime(iso: string): string {
  const p = parts(iso, { hour: '2-digit', minute: '2-digit' });
  return p ? `${p.hour}:${p.minute}` : '';
}

export function dayKey(iso: string): string {
  const p = parts(iso, { year: 'numeric', month: '2-digit', day: '2-digit' });
  return p ? `${p.year}-${p.month}-${p.day}` : '';
}

export function dayLabel(iso: string): string {
  const key = dayKey(iso);
  const today = dayKey(new Date().toISOString());
  const yesterday = dayKey(new Date(Date.now() - 864e5).toISOString());
  if (key === today) return tr('sim.day.today');
  if (key === yesterday) return tr('sim.day.yesterday');
  const [year = '', month, day] = key.split('-');
  const md = { month: Number(month), day: Number(day) };
  return year === today.slice(0, 4) ? tr('sim.day.date', md) : tr('sim.day.date_year', { year, ...md });
}

export const money = (n: unknown): string => `¥${Number(n).toLocaleString('en-US', { maximumFractionDigits: 2 })}`;

export function personName(id: string | null | undefined): string {
  if (!id) return tr('sim.system');
  if (id === BOT_ID) return tr('sim.bot_name');
  return state.people.get(id)?.name ?? id;
}

/** Names joined as a list ("刘洋、周强"). */
export const names = (ids: readonly string[]): string => ids.map(personName).join(tr('sim.name_sep'));

function avatarColor(id: string): string {
  let n = 0;
  for (const ch of id) n = (n * 31 + ch.codePointAt(0)!) >>> 0;
  return AVATAR_COLORS[n % AVATAR_COLORS.length]!;
}

/** A round avatar: the last character of a Chinese name (like most chat apps), or the initial. */
export function avatar(id: string, size = ''): HTMLElement {
  if (id === BOT_ID) return h('div', { class: `avatar avatar-bot ${size}`, 'aria-hidden': 'true' }, tr('sim.avatar.bot'));
  if (id.startsWith('room:')) return h('div', { class: `avatar avatar-room ${size}`, 'aria-hidden': 'true' }, tr('sim.avatar.room'));
  const name = personName(id);
  const initial = /[\u4e00-\u9fff]/.test(name) ? name.slice(-1) : name.slice(0, 1).toUpperCase();
  const el = h('div', { class: `avatar ${size}`, 'aria-hidden': 'true' }, initial);
  el.style.background = avatarColor(id);
  return el;
}
