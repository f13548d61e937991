// A request's centre snapshot as Feishu's external instance (POST /open-apis/approval/v4/
// external_instances, update_mode REPLACE: every sync is the whole instance, and tasks or cc
// entries left out are deleted there). Display texts go through `i18n_resources`: Feishu takes
// only `@i18n@` keys in title, node names and action names. Times are Unix ms as strings.
// docs/channels/feishu.md#approval-centre
import type { CentreInstanceStatus, CentreSnapshot, CentreTask, CentreTaskStatus } from '../../../core/centre.js';
import { t, type Locale } from '../../../core/messages.js';

const INSTANCE_STATUS: Record<CentreInstanceStatus, 'PENDING' | 'APPROVED' | 'REJECTED' | 'CANCELED' | 'TERMINATED'> = {
  pending: 'PENDING',
  approved: 'APPROVED',
  rejected: 'REJECTED',
  withdrawn: 'CANCELED',
  terminated: 'TERMINATED',
};
const TASK_STATUS: Record<CentreTaskStatus, 'PENDING' | 'APPROVED' | 'REJECTED' | 'TRANSFERRED' | 'DONE'> = {
  pending: 'PENDING',
  approved: 'APPROVED',
  rejected: 'REJECTED',
  transferred: 'TRANSFERRED',
  done: 'DONE',
};

const ms = (iso: string | undefined) => (iso ? String(Date.parse(iso)) : '0');
/** A task's version for Feishu (and for external_instances/check): when it last changed. */
export const taskUpdateTime = (task: CentreTask) => ms(task.endedAt ?? task.createdAt);
export const instanceUpdateTime = (snap: CentreSnapshot) => ms(snap.updatedAt);

export interface InstanceContext {
  approvalCode: string;
  locale: Locale;
  /** The person's Feishu open_id (undefined: not on Feishu, left out). */
  openId(personId: string): string | undefined;
  personName(personId: string): string;
  /** Where the request is shown (our page). */
  link(requestId: string): string;
}

export function externalInstance(snap: CentreSnapshot, ctx: InstanceContext) {
  const texts = new Map<string, string>();
  const text = (key: string, value: string) => {
    const k = `@i18n@${key}`;
    texts.set(k, value || '-');
    return k;
  };
  const links = { pc_link: ctx.link(snap.requestId), mobile_link: ctx.link(snap.requestId) };
  const applicant = ctx.openId(snap.applicantId);
  const actions = [
    { action_type: 'APPROVE', action_name: text('approve', t(ctx.locale, 'centre.action.approve')) },
    { action_type: 'REJECT', action_name: text('reject', t(ctx.locale, 'centre.action.reject')), is_need_reason: true, is_reason_required: true },
  ];
  const tasks = snap.tasks.flatMap((task) => {
    const openId = ctx.openId(task.personId);
    if (!openId) return [];
    const node = text(`node.${task.stepId}`, task.stepName);
    return [
      {
        task_id: task.key,
        open_id: openId,
        title: node,
        links,
        status: TASK_STATUS[task.status],
        create_time: ms(task.createdAt),
        end_time: task.status === 'pending' ? '0' : ms(task.endedAt),
        update_time: taskUpdateTime(task),
        node_id: task.stepId,
        node_name: node,
        ...(task.status === 'pending' ? { action_context: snap.requestId, action_configs: actions } : {}),
      },
    ];
  });
  const cc = snap.cc.flatMap((personId) => {
    const openId = ctx.openId(personId);
    return openId ? [{ cc_id: `cc.${personId}`, open_id: openId, links, read_status: 'UNREAD' as const, create_time: ms(snap.createdAt), update_time: ms(snap.createdAt) }] : [];
  });
  return {
    approval_code: ctx.approvalCode,
    status: INSTANCE_STATUS[snap.status],
    instance_id: snap.requestId,
    links,
    title: text('title', snap.title),
    ...(applicant ? { open_id: applicant } : { user_name: text('applicant', ctx.personName(snap.applicantId)) }),
    start_time: ms(snap.createdAt),
    end_time: snap.endedAt ? ms(snap.endedAt) : '0',
    update_time: instanceUpdateTime(snap),
    update_mode: 'REPLACE' as const,
    task_list: tasks,
    cc_list: cc,
    i18n_resources: [{ locale: feishuLocale(ctx.locale), is_default: true, texts: [...texts].map(([key, value]) => ({ key, value })) }],
  };
}

export const feishuLocale = (locale: Locale): 'zh-CN' | 'en-US' => (locale === 'en' ? 'en-US' : 'zh-CN');

/** The check body for external_instances/check: what we last told Feishu of each instance. */
export function checkEntry(snap: CentreSnapshot, openId: (personId: string) => string | undefined) {
  return {
    instance_id: snap.requestId,
    update_time: instanceUpdateTime(snap),
    tasks: snap.tasks.filter((task) => openId(task.personId)).map((task) => ({ task_id: task.key, update_time: taskUpdateTime(task) })),
  };
}
