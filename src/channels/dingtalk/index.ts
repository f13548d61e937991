// Placeholder until the dingtalk channel lands: enabling it fails loudly instead of silently.
import type { Channel, ChannelDeps } from '../channel.js';

export function createDingtalkChannel(_deps: ChannelDeps): Channel {
  throw new Error('the dingtalk channel is not implemented yet');
}
