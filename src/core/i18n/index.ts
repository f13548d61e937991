// One catalog per locale for every word a user sees; `t` renders a key in the reader's locale.
// Effects and refusals carry a key plus params, and each channel renders them when it sends.
import { en } from './en.js';
import type { Catalog, Locale, MessageKey, ParamArgs, ParamValue } from './types.js';
import { zhCN } from './zh-CN.js';

export type { Catalog, Locale, MessageKey, ParamArgs, ParamsOf, ParamValue } from './types.js';

export const LOCALES: readonly Locale[] = ['zh-CN', 'en'];
export const CATALOGS: Readonly<Record<Locale, Catalog>> = { 'zh-CN': zhCN, en };

export function t<K extends MessageKey>(locale: Locale, key: K, ...[params]: ParamArgs<K>): string {
  const template: string = CATALOGS[locale][key] ?? zhCN[key] ?? key;
  const values: Record<string, ParamValue> = params ?? {};
  // A value that ends a sentence itself (a reason typed with its full stop) takes the place of the template's stop: no "。。".
  return template.replace(/\{(\w+)\}([。.]?)/g, (_, k: string, stop: string) => {
    if (!(k in values)) return `{${k}}${stop}`;
    const v = String(values[k]);
    return stop && /[。．.！!？?…]$/.test(v) ? v : v + stop;
  });
}

/**
 * A message whose parameters may hold raw states (`status: 'summary_submitted'`): shown with
 * the state's label from the catalog, never its internal name.
 */
export function renderMessage(locale: Locale, key: MessageKey, params: Record<string, ParamValue> = {}): string {
  const labelled = typeof params.status === 'string' && isMessageKey(`status.${params.status}`) ? { ...params, status: t(locale, `status.${params.status}` as MessageKey) } : params;
  return tAny(locale, key, labelled);
}

/** Whether a string read from outside (stored data, a job payload) is a catalog key. */
export const isMessageKey = (key: string): key is MessageKey => Object.hasOwn(zhCN, key);

/** Renders a key known only at run time (a stored status, an audit action): an uncatalogued key renders as itself. */
export const tAny = (locale: Locale, key: string, params: Record<string, ParamValue> = {}): string => (isMessageKey(key) ? t(locale, key, params) : key);
