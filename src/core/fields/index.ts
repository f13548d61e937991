// Field kinds: one module per kind (./kind.ts says what a kind does), found by name in the registry.
export { FIELD_KINDS, fieldKind, fieldKindNames, isFieldKind, refField, registerFieldKind } from './registry.js';
export type { AnswerContext, FieldAnswer, FieldContext, FieldKind, FieldReading, ShowContext } from './kind.js';
export { isWide, readBackValue, showValue } from './show.js';
export { formatDateTime, formatMoney } from './format.js';
export { fieldLabel, typeName } from './spec.js';
export { futureOnly, pairOf, type Pair } from './pairs.js';
export { budgetTotal, type BudgetItem } from './budget.js';
export { normaliseNumber } from './request-ref.js';
export { payloadProblems } from './rules.js';
export { currentMinute, endBeforeStartMessage, isPast, pastMessage, type RuleContext } from './time-rules.js';
export { acceptsType, addFile, attachmentRules, isImage, megabytes, typesText, type AttachmentRef } from './attachments.js';
