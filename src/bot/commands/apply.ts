// 申请 <类型名> / apply <type>: any type the organisation can file, by its id or either name.
// Tried last: its words begin other commands' words (申请活动).
import { fold, pattern } from './matchers.js';
import type { CommandModule } from './types.js';

const APPLY = pattern(/申请|发起|新建|apply|new/, String.raw`\s*(.+)`);

export const apply: CommandModule = {
  name: 'apply',
  match(text, ctx) {
    const m = APPLY.exec(text);
    if (!m) return undefined;
    const said = m[2]!;
    const name = fold(said).replace(/^[「“"]|[」”"]$/g, '');
    const def = ctx.dir.submittableTypes().find((d) => [d.id, d.name, d.nameEn].some((n) => fold(n) === name));
    if (def) return { command: 'start', open: { kind: 'start', def } };
    const names = ctx.list(ctx.dir.submittableTypes().map((d) => ctx.typeName(d, d.id)));
    return { command: 'unknown_type', personal: false, answer: async () => [{ text: ctx.text('commands.unknown_type', { name: said, names }) }] };
  },
  help: () => [],
};
