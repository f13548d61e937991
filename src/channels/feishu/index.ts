// Placeholder until the feishu channel lands: enabling it fails loudly instead of silently.
import type { Channel, ChannelDeps } from '../channel.js';

export function createFeishuChannel(_deps: ChannelDeps): Channel {
  throw new Error('the feishu channel is not implemented yet');
}
