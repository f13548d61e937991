// What each platform's cards can show, for code that shapes a message before a channel renders
// it (the dialog engine): the channel layer owns these facts, callers ask by platform.
import type { Platform } from '../org/schema.js';

export interface ChannelCapabilities {
  /**
   * The card shows every field and its buttons. WeCom template cards show at most six short
   * fields, so a confirmation there comes with the full list as text too.
   */
  cardShowsAllFields: boolean;
  /**
   * A card posted as a snapshot can be replaced by its message id alone (the simulator; Feishu's
   * PATCH of a message). DingTalk and WeCom need ids recorded at sending (track id, response code).
   */
  replacesByMessageId: boolean;
  /** Cards hold form inputs (WeCom template cards do not: forms there run as dialogs). */
  cardForms: boolean;
  /**
   * A snapshot card can be replaced later by what its sending recorded (message id, outTrackId).
   * WeCom cannot: a template card is updated only with the response code of a click on it.
   */
  settlesPostedCards: boolean;
}

const CAPABILITIES: Readonly<Record<Platform, ChannelCapabilities>> = {
  local: { cardShowsAllFields: true, replacesByMessageId: true, cardForms: true, settlesPostedCards: true },
  feishu: { cardShowsAllFields: true, replacesByMessageId: true, cardForms: true, settlesPostedCards: true },
  dingtalk: { cardShowsAllFields: true, replacesByMessageId: false, cardForms: true, settlesPostedCards: true },
  wecom: { cardShowsAllFields: false, replacesByMessageId: false, cardForms: false, settlesPostedCards: false },
};

export const capabilitiesOf = (platform: Platform): ChannelCapabilities => CAPABILITIES[platform];
