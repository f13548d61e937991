// Outbound DingTalk: approval cards as interactive card instances (create-and-deliver, then
// update by outTrackId for everyone at once) and plain robot messages (sampleMarkdown).
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Card } from '../../../cards/model.js';
import type { Target } from '../../queue/jobs.js';
import { t, type Locale } from '../../core/messages.js';
import { DeliveryError, type PostedCard, type SentCard, type UpdateResult } from '../channel.js';
import type { DingtalkApi } from './api.js';
import type { Pacer } from './pacer.js';
import { cardMarkdown, md, renderParams } from './render.js';

export interface SenderOptions {
  api: DingtalkApi;
  pacer: Pacer;
  redis: Redis;
  prefix: string;
  log: Logger;
  robotCode: string;
  templates: { approval?: string; notice?: string };
  /** Must match how card clicks come back: over the Stream connection or to our webhook. */
  callbackType: 'STREAM' | 'HTTP';
  callbackRouteKey?: string;
  locale: Locale;
}

/** How long "already sent" markers live: longer than every delivery retry horizon. */
const SENT_TTL_S = 7 * 24 * 3600;

interface DeliverResult {
  success?: boolean;
  errorMsg?: string;
  spaceId?: string;
  spaceType?: string;
}

/** Our outTrackId: deterministic, so a retried send names the same card instance. */
export function outTrackIdOf(requestId: string, target: Target, idempotencyKey: string): string {
  return `qp${createHash('sha256').update(`${requestId}|${target.type}|${target.id}|${idempotencyKey}`).digest('hex').slice(0, 40)}`;
}

export class DingtalkSender {
  constructor(private readonly o: SenderOptions) {}

  private sentKey(kind: string, id: string): string {
    return `${this.o.prefix}:dingtalk:sent:${kind}:${id}`;
  }

  /** A card without buttons or form uses the notice template when one is configured. */
  private templateFor(card: Card): string | undefined {
    const passive = card.buttons.length === 0 && !card.form;
    return (passive && this.o.templates.notice) || this.o.templates.approval;
  }

  async sendCard(target: Target, card: Card, opts: { requestId: string; idempotencyKey: string }): Promise<SentCard> {
    const template = this.templateFor(card);
    if (!template) {
      // Without an imported template there are no interactive cards: post the card as text.
      // Clicks are impossible; people act from the detail page link or by chat commands.
      const { title, text } = cardMarkdown(card, this.o.locale);
      await this.sendMarkdown(target, title, text, opts.idempotencyKey);
      return {};
    }
    const outTrackId = outTrackIdOf(opts.requestId, target, opts.idempotencyKey);
    if (await this.o.redis.get(this.sentKey('card', outTrackId))) return { trackId: outTrackId };
    await this.o.pacer.take(target);
    const group = target.type === 'chat';
    const body = {
      cardTemplateId: template,
      outTrackId,
      callbackType: this.o.callbackType,
      ...(this.o.callbackType === 'HTTP' && this.o.callbackRouteKey ? { callbackRouteKey: this.o.callbackRouteKey } : {}),
      cardData: { cardParamMap: renderParams(card, this.o.locale) },
      openSpaceId: group ? `dtv1.card//IM_GROUP.${target.id}` : `dtv1.card//IM_ROBOT.${target.id}`,
      ...(group
        ? { imGroupOpenSpaceModel: { supportForward: false }, imGroupOpenDeliverModel: { robotCode: this.o.robotCode } }
        : { imRobotOpenSpaceModel: { supportForward: false }, imRobotOpenDeliverModel: { spaceType: 'IM_ROBOT', robotCode: this.o.robotCode } }),
      userIdType: 1,
    };
    const tried = this.sentKey('try', outTrackId);
    const retry = Boolean(await this.o.redis.get(tried));
    await this.o.redis.set(tried, '1', 'EX', SENT_TTL_S);
    let res: { success?: boolean; result?: { deliverResults?: DeliverResult[] } };
    try {
      res = await this.o.api.call('POST', '/v1.0/card/instances/createAndDeliver', body);
    } catch (err) {
      // An earlier attempt may have created the card and lost DingTalk's reply; then this one is
      // refused (the outTrackId exists). If the instance answers an update, it is ours: done.
      if (retry && err instanceof DeliveryError && err.permanent && (await this.instanceExists(outTrackId, body.cardData.cardParamMap))) {
        this.o.log.info({ outTrackId, code: err.code }, 'dingtalk: card already created by an earlier attempt');
        await this.o.redis.set(this.sentKey('card', outTrackId), '1', 'EX', SENT_TTL_S);
        return { trackId: outTrackId };
      }
      throw err;
    }
    // HTTP 200 does not mean delivered: each space reports its own result.
    const failed = (res.result?.deliverResults ?? []).find((d) => d.success === false);
    if (failed) {
      const msg = failed.errorMsg ?? 'unknown error';
      throw new DeliveryError(`dingtalk card ${outTrackId} was not delivered to ${target.type} ${target.id}: ${msg}`, !/system|timeout|busy|retry/i.test(msg), 'deliver_failed');
    }
    await this.o.redis.set(this.sentKey('card', outTrackId), '1', 'EX', SENT_TTL_S);
    return { trackId: outTrackId };
  }

  private async instanceExists(outTrackId: string, cardParamMap: Record<string, string>): Promise<boolean> {
    try {
      const res = await this.o.api.call<{ success?: boolean }>('PUT', '/v1.0/card/instances', { outTrackId, cardData: { cardParamMap }, cardUpdateOptions: { updateCardDataByKey: true } });
      return res.success !== false;
    } catch {
      return false;
    }
  }

  async updateCard(message: PostedCard, card: Card): Promise<UpdateResult> {
    if (!message.trackId) {
      // Sent as text (no template at the time): say what changed instead of editing, once per status.
      const target: Target = { type: message.targetType, id: message.targetId };
      const line = card.status ? t(this.o.locale, 'text.label_value', { label: card.title, value: card.status.text }) : card.title;
      await this.sendMarkdown(target, card.title.slice(0, 60), md(line), `upd-${message.id}-${line}`);
      return { fellBack: true };
    }
    const res = await this.o.api.call<{ success?: boolean }>('PUT', '/v1.0/card/instances', {
      outTrackId: message.trackId,
      cardData: { cardParamMap: renderParams(card, this.o.locale) },
      cardUpdateOptions: { updateCardDataByKey: true },
    });
    if (res.success === false) throw new DeliveryError(`dingtalk card ${message.trackId} update was not accepted`, false, 'update_failed');
    return {};
  }

  async sendText(target: Target, text: string, opts: { idempotencyKey: string }): Promise<void> {
    const title = (text.split('\n')[0] ?? '').slice(0, 30) || t(this.o.locale, 'channels.notice');
    await this.sendMarkdown(target, title, md(text), opts.idempotencyKey);
  }

  /** Robot message to a group or one person. The APIs take no idempotency key: we keep one. */
  private async sendMarkdown(target: Target, title: string, text: string, idempotencyKey: string): Promise<void> {
    const mark = this.sentKey('text', createHash('sha256').update(`${target.type}|${target.id}|${idempotencyKey}`).digest('hex').slice(0, 40));
    if (await this.o.redis.get(mark)) return;
    await this.o.pacer.take(target);
    const common = { robotCode: this.o.robotCode, msgKey: 'sampleMarkdown', msgParam: JSON.stringify({ title, text }) };
    if (target.type === 'chat') {
      await this.o.api.call('POST', '/v1.0/robot/groupMessages/send', { ...common, openConversationId: target.id });
    } else {
      const res = await this.o.api.call<{ invalidStaffIdList?: string[]; flowControlledStaffIdList?: string[] }>('POST', '/v1.0/robot/oToMessages/batchSend', {
        ...common,
        userIds: [target.id],
      });
      if (res.invalidStaffIdList?.includes(target.id)) throw new DeliveryError(`dingtalk: user ${target.id} is not a valid staff id for this robot`, true, 'invalid_staff_id');
      if (res.flowControlledStaffIdList?.includes(target.id)) throw new DeliveryError(`dingtalk: messages to ${target.id} are flow-controlled`, false, 'flow_controlled');
    }
    await this.o.redis.set(mark, '1', 'EX', SENT_TTL_S);
  }
}
