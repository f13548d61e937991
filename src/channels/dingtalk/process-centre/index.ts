// DingTalk's process centre (OA 审批 > 自有 OA 审批, 三方流程) for our requests: at start-up our
// template (processCentres/schemas → processCode), then per request one instance
// (processCentres/instances, with its url) and one 待处理任务 per approver (processCentres/tasks,
// ≤ 20 a call, due at the step's deadline from our calendar), synced to 钉钉待办. Each change
// completes (AGREE / REFUSE) or cancels the tasks that closed and creates the new ones — a
// transfer or an added signer is a cancel plus a create — and ends the instance with the request.
// The sync holds a per-request lock (src/delivery/centre-sync.ts): DingTalk refuses concurrent
// changes to one instance. Concurrency and quota refusals are transient (the queue retries).
// Shapes marked unconfirmed in docs/channels/dingtalk.md#process-centre.
import type { Logger } from 'pino';
import { DeliveryError } from '../../channel.js';
import type { CentreAdapter, PushContext } from '../../centre.js';
import type { CentreSnapshot, CentreTask } from '../../../core/centre.js';
import { t, type Locale } from '../../../core/messages.js';
import type { CentreTasks } from '../../../store/centre-repo.js';
import type { DingtalkApi } from '../api.js';

/** Refusals that pass: another change of the instance in flight, a rate or quota limit. */
const LATER = /concurrency|quota|QpsLimit|ApiLimit|FlowControl|Throttl|TooFast/i;
/** Tasks per processCentres/tasks call (documented maximum). */
const TASKS_PER_CALL = 20;

export interface ProcessCentreOptions {
  api: DingtalkApi;
  /** A processCode from an earlier start (DINGTALK_PROCESS_CODE): the template is updated, not created anew. */
  processCode?: string;
  /** DingTalk's own notices of new tasks are turned off where our chat card is sent. */
  ownNotices: boolean;
  link: (requestId: string) => string;
  userId: (personId: string) => string | undefined;
  locale: Locale;
  log: Logger;
}

const later = (err: unknown): unknown =>
  err instanceof DeliveryError && err.permanent && LATER.test(String(err.code)) ? new DeliveryError(err.message, false, err.code) : err;

export function createDingtalkProcessCentre(o: ProcessCentreOptions) {
  let processCode = o.processCode;
  const call = async <T>(method: 'POST' | 'PUT', path: string, body: unknown): Promise<T> => {
    try {
      return await o.api.call<T>(method, path, body);
    } catch (err) {
      throw later(err);
    }
  };

  async function setup(): Promise<string> {
    const reply = await call<{ result?: { processCode?: string } }>('POST', '/v1.0/workflow/processCentres/schemas', {
      ...(processCode ? { processCode } : {}),
      name: t(o.locale, 'centre.approval_name'),
      description: t(o.locale, 'centre.description'),
      formComponents: [{ componentType: 'TextField', props: { componentId: 'title', label: t(o.locale, 'centre.group_name') } }],
      templateConfig: { disableFormEdit: true, disableResubmit: true, disableStopProcessButton: true, disableDeleteProcess: true, hidden: false, disableSendCard: !o.ownNotices },
    });
    const code = reply.result?.processCode;
    if (!code) throw new DeliveryError('dingtalk processCentres/schemas: no processCode in reply', true, 'no_process_code');
    processCode = code;
    o.log.info({ processCode }, 'dingtalk process centre template ready (set DINGTALK_PROCESS_CODE to keep it)');
    return code;
  }

  const closing = (task: CentreTask) =>
    task.status === 'approved' ? { status: 'COMPLETED', result: 'AGREE' } : task.status === 'rejected' ? { status: 'COMPLETED', result: 'REFUSE' } : { status: 'CANCELED' };

  async function push(snap: CentreSnapshot, ctx: PushContext): Promise<{ externalId?: string; taskIds?: Record<string, string> }> {
    if (!processCode) throw new DeliveryError('dingtalk process centre: no template yet', false, 'no_process_code');
    const prev = ctx.previous;
    const tasks: CentreTasks = { ...(prev?.tasks ?? {}) };
    let instanceId = prev?.externalId ?? null;
    const originator = o.userId(snap.applicantId);
    if (!instanceId) {
      if (!originator) return {}; // the applicant is not on DingTalk: nothing to mirror
      const r = await call<{ result?: { processInstanceId?: string } }>('POST', '/v1.0/workflow/processCentres/instances', {
        processCode,
        originatorUserId: originator,
        title: snap.title,
        url: o.link(snap.requestId),
        formComponentValues: [{ name: t(o.locale, 'centre.group_name'), value: snap.title }],
      });
      instanceId = r.result?.processInstanceId ?? null;
      if (!instanceId) throw new DeliveryError('dingtalk processCentres/instances: no processInstanceId in reply', true, 'no_instance');
      await ctx.checkpoint({ externalId: instanceId, tasks });
    }
    const taskIds: Record<string, string> = {};

    // Close what closed: tasks DingTalk holds open that are now decided, done or transferred away.
    const toClose = snap.tasks.filter((x) => x.status !== 'pending' && tasks[x.key]?.externalId && tasks[x.key]!.status === 'pending');
    for (let i = 0; i < toClose.length; i += TASKS_PER_CALL) {
      const batch = toClose.slice(i, i + TASKS_PER_CALL);
      await call('PUT', '/v1.0/workflow/processCentres/tasks', { processInstanceId: instanceId, tasks: batch.map((x) => ({ taskId: Number(tasks[x.key]!.externalId), ...closing(x) })) });
      for (const x of batch) tasks[x.key] = { ...tasks[x.key]!, status: x.status };
      await ctx.checkpoint({ externalId: instanceId, tasks });
    }
    // Open what opened (a new step, a transfer's new approver, an added signer), by step.
    const toOpen = snap.tasks.filter((x) => x.status === 'pending' && !tasks[x.key]?.externalId && o.userId(x.personId));
    const bySteps = new Map<string, CentreTask[]>();
    for (const x of toOpen) bySteps.set(x.stepId, [...(bySteps.get(x.stepId) ?? []), x]);
    for (const [stepId, list] of bySteps) {
      for (let i = 0; i < list.length; i += TASKS_PER_CALL) {
        const batch = list.slice(i, i + TASKS_PER_CALL);
        const r = await call<{ result?: Array<{ userId?: string; taskId?: number | string }> }>('POST', '/v1.0/workflow/processCentres/tasks', {
          processInstanceId: instanceId,
          activityId: stepId,
          tasks: batch.map((x) => ({ userId: o.userId(x.personId), url: o.link(snap.requestId), ...(x.dueAt ? { dueTimestamp: Date.parse(x.dueAt) } : {}) })),
        });
        for (const x of batch) {
          const got = r.result?.find((y) => y.userId === o.userId(x.personId));
          if (got?.taskId === undefined) continue;
          taskIds[x.key] = String(got.taskId);
          tasks[x.key] = { personId: x.personId, stepId: x.stepId, round: x.round, status: 'pending', externalId: String(got.taskId) };
        }
        await ctx.checkpoint({ externalId: instanceId, tasks });
      }
    }
    // The request ended: so does the instance.
    if (snap.status !== 'pending' && (prev?.open ?? true)) {
      const done = snap.status === 'approved' || snap.status === 'rejected';
      await call('PUT', '/v1.0/workflow/processCentres/instances', {
        processInstanceId: instanceId,
        status: done ? 'COMPLETED' : 'TERMINATED',
        ...(done ? { result: snap.status === 'approved' ? 'agree' : 'refuse' } : {}),
      });
    }
    return { externalId: instanceId, taskIds };
  }

  const adapter: CentreAdapter = { platform: 'dingtalk', push };
  return { setup, adapter, processCode: () => processCode };
}
