// Feishu's approval centre (飞书审批中心) for our requests, through Feishu's third-party approval
// (三方审批): at start-up our approval definition is created or updated (external_approvals:
// group, viewers, links, the action callback with its token / key, batch approval), then every
// request is mirrored as an external instance with one task per approver and the cc list
// (external_instances, a full snapshot per change, from the outbox: src/delivery/centre-sync.ts),
// and the centre's approve / reject comes back to callback.ts. external_instances/check finds
// instances Feishu does not hold as we told them (the periodic reconcile).
// docs/channels/feishu.md#approval-centre
import type { Logger } from 'pino';
import { DeliveryError } from '../../channel.js';
import type { CentreAdapter } from '../../centre.js';
import { t, type Locale } from '../../../core/messages.js';
import type { FeishuApi } from '../client.js';
import { FeishuCallError } from '../client.js';
import { checkEntry, externalInstance, feishuLocale } from './instance.js';

/** "There have been some errors. Please try again later": among its causes, one instance synced too often. */
export const FEISHU_SYNC_TOO_OFTEN = 1395001;
/** Instances per external_instances/check call (our choice; the docs give no maximum). */
const CHECK_BATCH = 20;

export interface FeishuCentreOptions {
  api: FeishuApi;
  approvalCode: string;
  groupCode: string;
  callbackUrl: string;
  callbackToken: string;
  callbackKey?: string;
  /** Our page of a request. */
  link: (requestId: string) => string;
  openId: (personId: string) => string | undefined;
  personName: (personId: string) => string;
  locale: Locale;
  log: Logger;
}

/** Feishu's "later" codes become transient errors (the queue retries with backoff). */
function retryable(err: unknown): unknown {
  if (err instanceof FeishuCallError && err.code === FEISHU_SYNC_TOO_OFTEN) return new DeliveryError(err.message, false, err.code);
  return err;
}

export function createFeishuApprovalCentre(o: FeishuCentreOptions) {
  let approvalCode = o.approvalCode;
  const { api } = o;

  /** Create or update our definition (Feishu keys it by approval_code). */
  async function setup(): Promise<string> {
    const texts = [
      { key: '@i18n@name', value: t(o.locale, 'centre.approval_name') },
      { key: '@i18n@group', value: t(o.locale, 'centre.group_name') },
      { key: '@i18n@description', value: t(o.locale, 'centre.description') },
    ];
    const reply = await api.call('approval.v4.external_approval.create', (auth) =>
      api.client.approval.v4.externalApproval.create(
        {
          params: { user_id_type: 'open_id' },
          data: {
            approval_name: '@i18n@name',
            approval_code: approvalCode,
            group_code: o.groupCode,
            group_name: '@i18n@group',
            description: '@i18n@description',
            external: {
              biz_name: '@i18n@name',
              create_link_pc: o.link(''),
              create_link_mobile: o.link(''),
              support_pc: true,
              support_mobile: true,
              support_batch_read: false,
              enable_mark_readed: false,
              enable_quick_operate: true,
              action_callback_url: o.callbackUrl,
              action_callback_token: o.callbackToken,
              ...(o.callbackKey ? { action_callback_key: o.callbackKey } : {}),
              allow_batch_operate: true,
            },
            viewers: [{ viewer_type: 'TENANT' }],
            i18n_resources: [{ locale: feishuLocale(o.locale), is_default: true, texts }],
          },
        },
        auth,
      ),
    );
    const code = reply.data?.approval_code;
    if (typeof code === 'string' && code) approvalCode = code;
    o.log.info({ approvalCode }, 'feishu approval centre definition ready');
    return approvalCode;
  }

  const ctx = () => ({ approvalCode, locale: o.locale, openId: o.openId, personName: o.personName, link: o.link });

  const adapter: CentreAdapter = {
    platform: 'feishu',
    async push(snap) {
      try {
        await api.call('approval.v4.external_instance.create', (auth) => api.client.approval.v4.externalInstance.create({ data: externalInstance(snap, ctx()) }, auth));
      } catch (err) {
        throw retryable(err);
      }
      return { externalId: snap.requestId };
    },
    async stale(snaps) {
      const out: string[] = [];
      for (let i = 0; i < snaps.length; i += CHECK_BATCH) {
        const batch = snaps.slice(i, i + CHECK_BATCH);
        const reply = await api.call('approval.v4.external_instance.check', (auth) =>
          api.client.approval.v4.externalInstance.check({ data: { instances: batch.map((s) => checkEntry(s, o.openId)) } }, auth),
        );
        const diff = (reply.data?.diff_instances ?? []) as Array<{ instance_id?: unknown }>;
        for (const d of diff) if (typeof d.instance_id === 'string') out.push(d.instance_id);
      }
      return out;
    },
  };

  return { setup, adapter, approvalCode: () => approvalCode };
}

export type FeishuApprovalCentre = ReturnType<typeof createFeishuApprovalCentre>;
