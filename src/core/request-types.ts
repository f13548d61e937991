// Request types as data: each field is declared once, and that declaration drives the
// zod validation used by card forms, the REST API, the simulator and the bot dialogs.
import { z } from 'zod';

export const FIELD_KINDS = ['text', 'longtext', 'datetime', 'money', 'count', 'choice', 'budget', 'score', 'requestRef'] as const;
export type FieldKind = (typeof FIELD_KINDS)[number];

export interface FieldSpec {
  key: string;
  label: string;
  labelEn: string;
  kind: FieldKind;
  required: boolean;
  example?: string;
  options?: ReadonlyArray<{ value: string; label: string }>;
  max?: number; // for score
}

export interface RequestTypeDef {
  id: string;
  name: string;
  nameEn: string;
  /** Field whose value titles the request (e.g. the event name). */
  titleField?: string;
  fields: readonly FieldSpec[];
  /** Event lifecycle (summary → scoring → reimbursement) applies after approval. */
  lifecycle: 'event' | 'simple';
  /** Letter of the human-facing number: A-0001. */
  prefix: string;
}

export interface BudgetItem {
  item: string;
  amount: number;
}

const f = (key: string, label: string, labelEn: string, kind: FieldKind, required = true, extra: Partial<FieldSpec> = {}): FieldSpec => ({
  key,
  label,
  labelEn,
  kind,
  required,
  ...extra,
});

export const CATEGORY_OPTIONS = [
  { value: 'regular', label: '常规活动' },
  { value: 'irregular', label: '非常规活动' },
] as const;

export const BUILTIN_TYPES: readonly RequestTypeDef[] = [
  {
    id: 'event',
    prefix: 'A',
    name: '活动申请',
    nameEn: 'Event application',
    titleField: 'name',
    lifecycle: 'event',
    fields: [
      f('name', '活动名称', 'Event name', 'text', true, { example: '2026 冬季车主答谢会' }),
      f('category', '活动类别', 'Category', 'choice', true, { options: CATEGORY_OPTIONS }),
      f('eventType', '活动类型', 'Event type', 'text', true, { example: '客户答谢会' }),
      f('format', '活动形式', 'Format', 'text', false, { example: '晚宴' }),
      f('start', '开始时间', 'Start', 'datetime', true, { example: '2026-12-20 18:00' }),
      f('end', '结束时间', 'End', 'datetime', true, { example: '2026-12-20 21:00' }),
      f('location', '活动地点', 'Location', 'text', true, { example: '杭州西湖国宾馆' }),
      f('content', '活动内容', 'Content', 'longtext', true, { example: '新车型介绍、车主抽奖、晚宴' }),
      f('headcount', '预计人数', 'Expected headcount', 'count', true, { example: '80' }),
      f('participants', '参与人员', 'Participants', 'longtext', true, { example: '老车主 60 人，市场部 8 人' }),
      f('budget', '费用预算', 'Itemised budget', 'budget', true, { example: '场地 8000, 餐饮 12000, 物料 2000' }),
      f('purpose', '活动目的与意义', 'Purpose', 'longtext', true, { example: '回馈老客户，促进转介绍' }),
      f('runSheet', '活动流程', 'Run sheet', 'longtext', true, { example: '18:00 签到；18:30 致辞；19:00 晚宴' }),
      f('safety', '安全措施与应急预案', 'Safety measures and emergency plan', 'longtext', true, { example: '场地消防检查，配备急救箱' }),
      f('onSiteLead', '现场负责人', 'On-site lead', 'text', true, { example: '李明' }),
    ],
  },
  {
    id: 'summary',
    prefix: 'S',
    name: '活动总结',
    nameEn: 'Post-event summary',
    lifecycle: 'simple',
    fields: [
      f('eventRef', '对应活动编号', 'Event number', 'requestRef', true, { example: 'A-0001' }),
      f('overview', '活动概况', 'Overview', 'longtext', true),
      f('attendance', '实际参与人数', 'Attendance', 'count', true, { example: '76' }),
      f('results', '目标达成情况（量化数据）', 'Results against goals', 'longtext', true, { example: '到场 76 人，意向订单 12 台' }),
      f('feedback', '参与人员意见和建议', 'Participant feedback', 'longtext', true),
      f('problems', '存在的问题', 'Problems found', 'longtext', true),
      f('lessons', '经验与改进措施', 'Lessons and improvements', 'longtext', true),
      f('safetyReview', '安全情况回顾', 'Safety review', 'longtext', true),
      f('actualSpend', '实际费用', 'Actual spend', 'budget', true, { example: '场地 8000, 餐饮 11500' }),
    ],
  },
  {
    id: 'scoring',
    prefix: 'P',
    name: '活动考核评分',
    nameEn: 'Event scoring',
    lifecycle: 'simple',
    fields: [
      f('eventRef', '对应活动编号', 'Event number', 'requestRef', true, { example: 'A-0001' }),
      f('qualitative', '定性评价得分（满分40）', 'Qualitative score (of 40)', 'score', true, { max: 40, example: '32' }),
      f('quantitative', '定量指标得分（满分60）', 'Quantitative score (of 60)', 'score', true, { max: 60, example: '50' }),
      f('comments', '评价与改进建议', 'Comments and suggestions', 'longtext', true),
    ],
  },
  {
    id: 'reimbursement',
    prefix: 'R',
    name: '费用报销',
    nameEn: 'Reimbursement',
    lifecycle: 'simple',
    fields: [
      f('eventRef', '对应活动编号', 'Event number', 'requestRef', true, { example: 'A-0001' }),
      f('items', '报销明细', 'Items', 'budget', true, { example: '场地 8000, 餐饮 11500' }),
      f('invoices', '发票号码', 'Invoice numbers', 'longtext', true, { example: '04400231 04400232' }),
    ],
  },
  {
    id: 'content_review',
    prefix: 'C',
    name: '内容审核',
    nameEn: 'Content review',
    titleField: 'title',
    lifecycle: 'simple',
    fields: [
      f('title', '内容标题', 'Title', 'text', true, { example: '双十二试驾福利推文' }),
      f('channel', '发布渠道', 'Channel', 'text', true, { example: '公众号' }),
      f('content', '内容', 'Content', 'longtext', true),
      f('publishAt', '计划发布时间', 'Publish at', 'datetime', false),
    ],
  },
];

const budgetItems = z
  .array(z.object({ item: z.string().trim().min(1).max(50), amount: z.number().positive().max(1e9) }).strict())
  .min(1, '至少需要一项费用');

function fieldSchema(spec: FieldSpec): z.ZodType {
  switch (spec.kind) {
    case 'text':
      return z.string().trim().min(1).max(200);
    case 'longtext':
      return z.string().trim().min(1).max(5000);
    case 'datetime':
      return z.iso.datetime({ offset: true });
    case 'money':
      return z.number().positive().max(1e9);
    case 'count':
      return z.number().int().positive().max(1e6);
    case 'score':
      return z.number().min(0).max(spec.max ?? 100);
    case 'choice':
      return z.enum((spec.options ?? []).map((o) => o.value) as [string, ...string[]]);
    case 'budget':
      return budgetItems;
    case 'requestRef':
      return z.string().trim().regex(/^[A-Z]-\d{4,}$/, '请填写申请编号，例如 A-0001');
  }
}

/** The payload schema of a request type, with cross-field rules (end after start). */
export function payloadSchema(def: RequestTypeDef) {
  const shape: Record<string, z.ZodType> = {};
  for (const spec of def.fields) shape[spec.key] = spec.required ? fieldSchema(spec) : fieldSchema(spec).optional();
  return z.object(shape).strict().superRefine((v: Record<string, unknown>, ctx) => {
    if (typeof v.start === 'string' && typeof v.end === 'string' && Date.parse(v.end) <= Date.parse(v.start)) {
      ctx.addIssue({ code: 'custom', path: ['end'], message: '结束时间必须晚于开始时间' });
    }
  });
}

export type Payload = Record<string, unknown>;

export function budgetTotal(items: unknown): number {
  return Array.isArray(items) ? (items as BudgetItem[]).reduce((s, i) => s + (Number(i.amount) || 0), 0) : 0;
}
