// 重新提交 A-0001 (or 修改 A-0001): edit a sent-back request in a dialog and submit it again.
// 修改 alone is the dialog's own word (修改 <字段>), so only 重新提交 / resubmit ask for the number.
import { numberCommand } from './define.js';

export const resubmit = numberCommand({
  name: 'resubmit',
  words: /重新提交|修改|resubmit|edit/,
  label: 'commands.word.resubmit',
  help: 'commands.help.resubmit',
  askNumber: /^(重新提交|resubmit)$/i,
  open: ({ number }) => ({ kind: 'resubmit', number }),
});
