// Request types as data: each field is declared once, and that declaration drives the
// zod validation used by card forms, the REST API, the simulator and the bot dialogs.
import { z } from 'zod';
import { fieldKind } from './fields/registry.js';
import { isMessageKey, t, tAny, type Locale } from './i18n/index.js';

export { budgetTotal, type BudgetItem } from './fields/budget.js';

export type { FieldSpec, Payload, RequestTypeDef } from './fields/types.js';
import type { FieldSpec, RequestTypeDef } from './fields/types.js';

/** A built-in field: its label and example come from the catalogs (`type.<type>.<field>`). */
const field =
  (type: string) =>
  (key: string, kind: string, required = true, extra: Partial<FieldSpec> = {}): FieldSpec => {
    const words = `type.${type}.${key}`;
    return {
      key,
      label: tAny('zh-CN', words),
      labelEn: tAny('en', words),
      kind,
      required,
      // Examples are what people type, the same in every locale.
      ...(isMessageKey(`${words}.example`) ? { example: tAny('zh-CN', `${words}.example`) } : {}),
      ...extra,
    };
  };

const typeWords = (id: string) => ({ name: tAny('zh-CN', `type.${id}`), nameEn: tAny('en', `type.${id}`) });

const CATEGORY_OPTIONS = [
  { value: 'regular', label: t('zh-CN', 'type.event.category.regular') },
  { value: 'irregular', label: t('zh-CN', 'type.event.category.irregular') },
] as const;

const event = field('event');
const summary = field('summary');
const scoring = field('scoring');
const reimbursement = field('reimbursement');
const contentReview = field('content_review');

export const BUILTIN_TYPES: readonly RequestTypeDef[] = [
  {
    id: 'event',
    prefix: 'A',
    ...typeWords('event'),
    titleField: 'name',
    lifecycle: 'event',
    fields: [
      event('name', 'text'),
      event('category', 'choice', true, { options: CATEGORY_OPTIONS }),
      event('eventType', 'text'),
      event('format', 'text', false),
      event('start', 'datetime', true, { example: '2026-12-20 18:00' }),
      event('end', 'datetime', true, { example: '2026-12-20 21:00' }),
      event('location', 'text'),
      event('content', 'longtext'),
      event('headcount', 'count', true, { example: '80' }),
      event('participants', 'longtext'),
      event('budget', 'budget'),
      event('purpose', 'longtext'),
      event('runSheet', 'longtext'),
      event('safety', 'longtext'),
      event('onSiteLead', 'text'),
      event('plan', 'attachments', false, { files: { max: 3, types: ['pdf', 'office', 'image'] } }),
    ],
  },
  {
    id: 'summary',
    prefix: 'S',
    ...typeWords('summary'),
    lifecycle: 'simple',
    fields: [
      summary('eventRef', 'requestRef', true, { example: 'A-0001' }),
      summary('overview', 'longtext'),
      summary('attendance', 'count', true, { example: '76' }),
      summary('results', 'longtext'),
      summary('feedback', 'longtext'),
      summary('problems', 'longtext'),
      summary('lessons', 'longtext'),
      summary('safetyReview', 'longtext'),
      summary('actualSpend', 'budget'),
      summary('photos', 'attachments', false, { files: { max: 20, types: ['image'] } }),
      summary('documents', 'attachments', false, { files: { max: 5, types: ['pdf', 'office'] } }),
    ],
  },
  {
    id: 'scoring',
    prefix: 'P',
    ...typeWords('scoring'),
    lifecycle: 'simple',
    fields: [
      scoring('eventRef', 'requestRef', true, { example: 'A-0001' }),
      scoring('qualitative', 'score', true, { max: 40, example: '32' }),
      scoring('quantitative', 'score', true, { max: 60, example: '50' }),
      scoring('comments', 'longtext'),
    ],
  },
  {
    id: 'reimbursement',
    prefix: 'R',
    ...typeWords('reimbursement'),
    lifecycle: 'simple',
    fields: [
      reimbursement('eventRef', 'requestRef', true, { example: 'A-0001' }),
      reimbursement('items', 'budget'),
      reimbursement('invoices', 'longtext', true, { example: '04400231 04400232' }),
      reimbursement('invoiceFiles', 'attachments', true, { files: { min: 1, max: 20, types: ['image', 'pdf'] } }),
    ],
  },
  {
    id: 'content_review',
    prefix: 'C',
    ...typeWords('content_review'),
    titleField: 'title',
    lifecycle: 'simple',
    fields: [
      contentReview('title', 'text'),
      contentReview('channel', 'text'),
      contentReview('content', 'longtext'),
      contentReview('publishAt', 'datetime', false),
    ],
  },
];

/** The payload schema of a request type, with cross-field rules (end after start); messages in `locale`. */
export function payloadSchema(def: RequestTypeDef, locale: Locale = 'zh-CN') {
  const shape: Record<string, z.ZodType> = {};
  for (const spec of def.fields) {
    const schema = fieldKind(spec.kind).schema(spec, locale);
    shape[spec.key] = spec.required ? schema : schema.optional();
  }
  return z.object(shape).strict().superRefine((v: Record<string, unknown>, ctx) => {
    if (typeof v.start === 'string' && typeof v.end === 'string' && Date.parse(v.end) <= Date.parse(v.start)) {
      ctx.addIssue({ code: 'custom', path: ['end'], message: t(locale, 'field.datetime.end_after_start') });
    }
  });
}

