// Placeholder until the wecom channel lands: enabling it fails loudly instead of silently.
import type { Channel, ChannelDeps } from '../channel.js';

export function createWecomChannel(_deps: ChannelDeps): Channel {
  throw new Error('the wecom channel is not implemented yet');
}
