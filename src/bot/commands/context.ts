// The context every command module is given: its dependencies and the reader's locale, bound once.
import { formatDateTime } from '../../../cards/format.js';
import { t } from '../../core/messages.js';
import { helpText, shortHelp } from './registry.js';
import type { CommandContext, CommandDeps } from './types.js';

export function commandContext(deps: CommandDeps): CommandContext {
  const { dir, locale } = deps;
  const ctx: CommandContext = {
    deps,
    dir,
    locale,
    text: (key, ...params) => t(locale, key, ...params),
    message: (m) => t(locale, m.key, m.params),
    typeName: (def, fallback) => (def ? (locale === 'en' ? def.nameEn : def.name) : fallback),
    at: (d) => formatDateTime(d, dir.timezone),
    overdue: (due) => (new Date(due).getTime() < deps.now().getTime() ? t(locale, 'commands.overdue') : ''),
    list: (items) => items.join(t(locale, 'list.separator')),
    helpText: () => helpText(ctx),
    shortHelp: () => shortHelp(ctx),
  };
  return ctx;
}
