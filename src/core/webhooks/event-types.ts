// The outbound webhook event types (a leaf: the organisation file's schema names them too).
export const WEBHOOK_EVENT_TYPES = ['request.submitted', 'request.decided', 'step.changed', 'request.escalated', 'request.closed', 'request.reimbursed'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
