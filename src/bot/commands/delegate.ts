// 委托 王芳 12月10日至12月20日 / 委托 王芳 到 12月20日 / 委托 王芳 3个工作日 / 取消委托 (and English):
// a person lets someone approve for them for a period (src/services/delegations.ts). 委托 alone
// lists the current and upcoming delegations, how to write one, and (where cards hold forms) the
// 委托 card form, whose two inputs are read by the same words as the command.
import { DELEGATE_INPUT, delegationFormCard, delegationSetCard, PERIOD_INPUT } from '../../../cards/delegation-form.js';
import { capabilitiesOf } from '../../channels/capabilities.js';
import { readPeriod } from '../../core/delegation.js';
import { pattern } from './matchers.js';
import { personAtStart } from './people-arg.js';
import type { Call, CommandContext, CommandModule, Reply } from './types.js';

const CANCEL = pattern(/取消委托|撤销委托|结束委托|cancel delegation|stop delegation/);
const CREATE = pattern(/委托|delegate/, String.raw`(?:\s*(.*))?`);

async function list(ctx: CommandContext, { e, person }: Call): Promise<Reply[]> {
  const all = await ctx.deps.delegations!.live(person.id);
  const mine = all.filter((d) => d.principal === person.id);
  const form: Reply[] = capabilitiesOf(e.platform).cardForms ? [{ card: delegationFormCard(ctx.locale) }] : [];
  if (!mine.length) return [{ text: `${ctx.text('delegation.none')}\n${ctx.text('delegation.usage')}` }, ...form];
  const lines = mine.map((d) => ctx.text('delegation.created', { delegate: ctx.dir.personName(d.delegate), ...ctx.deps.delegations!.period(d) }));
  return [{ text: lines.join('\n') }, ...form];
}

/** "王芳 12月10日至12月20日": whom and for how long, from the command or the card form. */
async function createFrom(ctx: CommandContext, personId: string, said: string): Promise<{ ok: boolean; text: string }> {
  const svc = ctx.deps.delegations!;
  const who = personAtStart(ctx.dir, said);
  if (!who) return { ok: false, text: ctx.text('delegation.refuse.unknown_person', { name: said.split(' ')[0] ?? said }) };
  if (!who.rest) return { ok: false, text: ctx.text('delegation.usage') };
  const period = readPeriod(who.rest, { now: ctx.deps.now(), timezone: ctx.dir.timezone, calendar: svc.calendar });
  if (!period.ok) return { ok: false, text: ctx.text('delegation.bad_period', { text: period.text, example: ctx.text('delegation.usage') }) };
  const r = await svc.create({ principal: personId, delegate: who.person.id, startsAt: period.startsAt, endsAt: period.endsAt, createdBy: personId });
  if (!r.ok) return { ok: false, text: ctx.message(r.message) };
  return { ok: true, text: ctx.text('delegation.created', { delegate: who.person.name, ...svc.period(r.delegation) }) };
}

/**
 * The 委托 card form submitted: set, the card shows what was set (for everyone who sees it) and
 * the DM says so; refused, the reason, and the form stays as it was to correct.
 */
export async function delegateFromForm(ctx: CommandContext, { person }: Call, form: Readonly<Record<string, string>>): Promise<Reply[]> {
  if (!ctx.deps.delegations) return [{ text: ctx.text('commands.unavailable') }];
  const said = `${(form[DELEGATE_INPUT] ?? '').trim()} ${(form[PERIOD_INPUT] ?? '').trim()}`.trim();
  const r = await createFrom(ctx, person.id, said);
  return r.ok ? [{ replaceCard: delegationSetCard(ctx.locale, r.text) }, { text: r.text }] : [{ text: r.text }];
}

export const delegate: CommandModule = {
  name: 'delegate',
  match(text, ctx) {
    if (CANCEL.test(text)) {
      return {
        command: 'delegate_cancel',
        personal: true,
        async answer({ person }) {
          if (!ctx.deps.delegations) return [{ text: ctx.text('commands.unavailable') }];
          const done = await ctx.deps.delegations.cancelAllOf(person.id);
          if (!done.length) return [{ text: ctx.text('delegation.none') }];
          return [{ text: ctx.text('delegation.cancelled', { delegate: ctx.list(done.map((d) => ctx.dir.personName(d.delegate))) }) }];
        },
      };
    }
    const m = CREATE.exec(text);
    if (!m) return undefined;
    return {
      command: 'delegate',
      personal: true,
      async answer(call) {
        if (!ctx.deps.delegations) return [{ text: ctx.text('commands.unavailable') }];
        const said = (m[2] ?? '').trim();
        if (!said) return list(ctx, call);
        return [{ text: (await createFrom(ctx, call.person.id, said)).text }];
      },
    };
  },
  help: (ctx) => [{ usage: ctx.text('commands.word.delegate'), short: ctx.text('commands.word.delegate'), what: ctx.text('commands.help.delegate') }],
};
