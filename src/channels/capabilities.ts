// What each platform's cards can show, for code that shapes a message before a channel renders
// it (the dialog engine): the channel layer owns these facts, callers ask by platform.
import type { Platform } from '../org/schema.js';

export interface ChannelCapabilities {
  /**
   * The card shows every field and its buttons. WeCom template cards show at most six short
   * fields, so a confirmation there comes with the full list as text too.
   */
  cardShowsAllFields: boolean;
}

const CAPABILITIES: Readonly<Record<Platform, ChannelCapabilities>> = {
  local: { cardShowsAllFields: true },
  feishu: { cardShowsAllFields: true },
  dingtalk: { cardShowsAllFields: true },
  wecom: { cardShowsAllFields: false },
};

export const capabilitiesOf = (platform: Platform): ChannelCapabilities => CAPABILITIES[platform];
