// Text commands. Each returns replies; the dialog engine (multi-turn forms) plugs in here.
import type { InboundMessage } from '../channels/inbound.js';
import type { Locale } from '../core/messages.js';
import type { MessageIntent } from '../core/model.js';
import type { Directory } from '../org/directory.js';
import type { Person } from '../org/schema.js';
import type { Database } from '../store/db.js';
import { pendingFor, requestsOf } from '../store/requests-repo.js';
import { t } from '../core/messages.js';

export type Reply = MessageIntent | { text: string } | { form: string };

export interface CommandDeps {
  database: Database;
  dir: Directory;
  locale: Locale;
}

const APPLY = /^(申请活动|活动申请|apply)$/i;
const PENDING = /^(待办|我的待办|pending|todo)$/i;
const MINE = /^(我的申请|mine)$/i;

export function createCommands(deps: CommandDeps) {
  const { locale } = deps;
  return {
    async handle(e: InboundMessage, person: Person): Promise<Reply[]> {
      const text = e.text.trim();
      if (APPLY.test(text)) return [{ form: 'event' }];
      if (PENDING.test(text)) {
        const rows = await pendingFor(deps.database.db, person.id);
        if (!rows.length) return [{ text: locale === 'en' ? 'Nothing is waiting for you.' : '没有待你审批的申请。' }];
        return [{ text: rows.map((r) => `${r.number}｜${r.title}（${r.stepName}）`).join('\n') }];
      }
      if (MINE.test(text)) {
        const rows = await requestsOf(deps.database.db, person.id, 10);
        if (!rows.length) return [{ text: locale === 'en' ? 'You have no requests yet.' : '你还没有提交过申请。' }];
        return [{ text: rows.map((r) => `${r.number}｜${r.title}｜${t(locale, `status.${r.status}`)}`).join('\n') }];
      }
      return [{ key: 'bot.help', params: {} }];
    },
  };
}

export type Commands = ReturnType<typeof createCommands>;
