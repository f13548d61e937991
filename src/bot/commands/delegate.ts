// 委托 王芳 12月10日至12月20日 / 委托 王芳 到 12月20日 / 委托 王芳 3个工作日 / 取消委托 (and English):
// a person lets someone approve for them for a period (src/services/delegations.ts). 委托 alone
// lists the current and upcoming delegations and how to write one.
import { readPeriod } from '../../core/delegation.js';
import { pattern } from './matchers.js';
import { personAtStart } from './people-arg.js';
import type { CommandContext, CommandModule, Reply } from './types.js';

const CANCEL = pattern(/取消委托|撤销委托|结束委托|cancel delegation|stop delegation/);
const CREATE = pattern(/委托|delegate/, String.raw`(?:\s*(.*))?`);

async function list(ctx: CommandContext, personId: string): Promise<Reply[]> {
  const all = await ctx.deps.delegations!.live(personId);
  const mine = all.filter((d) => d.principal === personId);
  if (!mine.length) return [{ text: `${ctx.text('delegation.none')}\n${ctx.text('delegation.usage')}` }];
  const lines = mine.map((d) => ctx.text('delegation.created', { delegate: ctx.dir.personName(d.delegate), ...ctx.deps.delegations!.period(d) }));
  return [{ text: lines.join('\n') }];
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
      async answer({ person }) {
        const svc = ctx.deps.delegations;
        if (!svc) return [{ text: ctx.text('commands.unavailable') }];
        const said = (m[2] ?? '').trim();
        if (!said) return list(ctx, person.id);
        const who = personAtStart(ctx.dir, said);
        if (!who) return [{ text: ctx.text('delegation.refuse.unknown_person', { name: said.split(' ')[0] ?? said }) }];
        if (!who.rest) return [{ text: ctx.text('delegation.usage') }];
        const now = ctx.deps.now();
        const period = readPeriod(who.rest, { now, timezone: ctx.dir.timezone, calendar: svc.calendar });
        if (!period.ok) return [{ text: ctx.text('delegation.bad_period', { text: period.text, example: ctx.text('delegation.usage') }) }];
        const r = await svc.create({ principal: person.id, delegate: who.person.id, startsAt: period.startsAt, endsAt: period.endsAt, createdBy: person.id });
        if (!r.ok) return [{ text: ctx.message(r.message) }];
        return [{ text: ctx.text('delegation.created', { delegate: who.person.name, ...svc.period(r.delegation) }) }];
      },
    };
  },
  help: (ctx) => [{ usage: ctx.text('commands.word.delegate'), short: ctx.text('commands.word.delegate'), what: ctx.text('commands.help.delegate') }],
};
