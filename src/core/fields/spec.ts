// A request type's and a field's words in a locale.
import type { Locale } from '../i18n/index.js';
import type { FieldSpec, RequestTypeDef } from './types.js';

export const typeName = (def: RequestTypeDef, locale: Locale): string => (locale === 'en' ? def.nameEn : def.name);

export const fieldLabel = (spec: FieldSpec, locale: Locale): string => (locale === 'en' ? spec.labelEn : spec.label);
