// An organisation on Feishu, DingTalk and WeCom at once (plus the simulator): a request
// reaches each approver on every platform they have an identity on; a decision taken on
// DingTalk updates the request's cards on all of them, and the timeline says where it came from.
import { eq } from 'drizzle-orm';
import { TOPIC_CARD } from 'dingtalk-stream';
import { describe, expect, it } from 'vitest';
import { decodeAction } from '../../cards/model.js';
import { cardMessages, decisions } from '../../src/store/schema.js';
import { useAllPlatforms } from '../support/all-platforms.js';
import { EVENT_FORM, simClient } from '../support/sim-client.js';

const p = useAllPlatforms();

describe('several platforms at once', () => {
  it('a decision on DingTalk updates the cards on Feishu, WeCom, DingTalk and the simulator', async () => {
    const sim = simClient(p.t.url);
    await sim.act('liming', null, { a: 'submit', t: 'event' }, EVENT_FORM);
    await p.t.idle();
    const [request] = await p.t.app.database.db.query.requests.findMany();
    const copies = await p.t.app.database.db.select().from(cardMessages).where(eq(cardMessages.requestId, request!.id));
    // The approver on every platform, the room on every platform it exists on.
    expect(copies.map((c) => `${c.platform}:${c.targetType}:${c.targetId}`).sort()).toEqual([
      'dingtalk:chat:cid_east_approvals',
      'dingtalk:user:dt_liuyang',
      'feishu:chat:oc_east_approvals',
      'feishu:user:ou_liuyang',
      'local:chat:east-approvals',
      'local:user:liuyang',
      'wecom:chat:wr_east_approvals',
      'wecom:user:LiuYang',
    ]);

    const dm = [...p.ding.cards.values()].find((c) => c.openSpaceId === 'dtv1.card//IM_ROBOT.dt_liuyang')!;
    const approve = (JSON.parse(dm.params.buttons!) as Array<{ action: string }>).map((b) => decodeAction(b.action)!).find((a) => a.a === 'approve')!;
    const content = JSON.stringify({ cardPrivateData: { actionIds: ['btn'], params: { action: JSON.stringify(approve) } } });
    const frame = p.gateway.sendCallback(TOPIC_CARD, { userId: 'dt_liuyang', outTrackId: dm.outTrackId, content, value: content, spaceType: 'IM_ROBOT' });
    await p.gateway.waitForAck(frame);
    await p.t.idle();

    const made = await p.t.app.database.db.select().from(decisions).where(eq(decisions.requestId, request!.id));
    expect(made).toMatchObject([{ personId: 'liuyang', platform: 'dingtalk' }]);
    // Every copy was re-rendered at the new version…
    const after = await p.t.app.database.db.select().from(cardMessages).where(eq(cardMessages.requestId, request!.id));
    const version = (await sim.request(request!.id)).request.version;
    for (const c of after) expect(c.renderedVersion, `${c.platform} ${c.targetId}`).toBe(version);
    // …and each platform saw it: Feishu PATCHes, DingTalk PUTs, WeCom updates the card in place.
    for (const c of after.filter((x) => x.platform === 'feishu')) expect(p.feishu.messages.get(c.messageId!)!.patches.length).toBeGreaterThanOrEqual(1);
    for (const c of [...p.ding.cards.values()]) expect(c.params.status).toBe('已通过');
    expect(p.wecom.calls('/cgi-bin/message/update_template_card').map((x) => x.body?.userids)).toEqual([['LiuYang']]);
    const simCard = (await sim.history('zhouqiang')).find((m) => m.kind === 'card')!;
    expect((simCard.card as { status: { text: string } }).status.text).toBe('已通过');
    const detail = await sim.request(request!.id);
    expect(detail.timeline.find((e) => e.action === 'approved_step')).toMatchObject({ actorId: 'liuyang', platform: 'dingtalk' });
  });
});
