// The page's words come from the catalogs (src/core/i18n) in the organisation's locale (from
// /api/sim/bootstrap; zh-CN until it arrives). The static markup names its keys in data-i18n
// (text) and data-i18n-<attribute> (title, placeholder, aria-label).
import { t, tAny, type Locale, type MessageKey, type ParamArgs } from '../../core/i18n/index.js';

let locale: Locale = 'zh-CN';

export function setLocale(l: Locale): void {
  locale = l;
  document.documentElement.lang = l;
  localizePage();
}

/** A catalog text in the page's locale. */
export const tr = <K extends MessageKey>(key: K, ...params: ParamArgs<K>): string => t(locale, key, ...params);

/** A text whose key is known only at run time (a request status); an uncatalogued key shows as itself. */
export const trAny = (key: string): string => tAny(locale, key);

const ATTRIBUTES = ['title', 'placeholder', 'aria-label'] as const;

export function localizePage(root: ParentNode = document): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = trAny(el.dataset.i18n!);
  for (const attr of ATTRIBUTES) {
    for (const el of root.querySelectorAll<HTMLElement>(`[data-i18n-${attr}]`)) el.setAttribute(attr, trAny(el.getAttribute(`data-i18n-${attr}`)!));
  }
}
