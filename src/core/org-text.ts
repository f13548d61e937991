// Text the core writes into stored data (generated step names, default titles, a default
// reason): in the organisation's language (`organisation.locale`), like the step and type names
// of its file that sit beside it. What a reader sees is rendered in their locale elsewhere.
import type { Directory } from '../org/directory.js';
import { t, type MessageKey, type ParamArgs } from './messages.js';

export const orgText = <K extends MessageKey>(dir: Directory, key: K, ...params: ParamArgs<K>): string => t(dir.org.organisation.locale, key, ...params);
