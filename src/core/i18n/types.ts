// Types of the message catalogs: the keys come from zh-CN (the default locale), and each key's
// parameters are the {placeholders} of its zh-CN template, so `t` checks both at compile time.
import type { zhCN } from './zh-CN.js';

export type Locale = 'zh-CN' | 'en';
export type MessageKey = keyof typeof zhCN;
export type Catalog = { readonly [K in MessageKey]: string };

type Placeholders<S extends string> = S extends `${string}{${infer P}}${infer Rest}` ? P | Placeholders<Rest> : never;
export type ParamValue = string | number;
/** The parameters a key's template needs (every placeholder, by name). */
export type ParamsOf<K extends MessageKey> = Record<Placeholders<(typeof zhCN)[K]>, ParamValue>;
/** `t`'s trailing argument: optional for a template without placeholders; for a key only known as a union, any record. */
export type ParamArgs<K extends MessageKey> = K extends MessageKey
  ? [Placeholders<(typeof zhCN)[K]>] extends [never]
    ? [params?: Record<string, ParamValue>]
    : [params: ParamsOf<K> & Record<string, ParamValue>]
  : never;
