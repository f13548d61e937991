// The XML side of WeCom callbacks: a strict, bounded parse of the outer envelope and of the
// decrypted message, and the builders for encrypted passive replies.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

const parser = new XMLParser({
  ignoreAttributes: true,
  // MsgId is a 64-bit integer: keep every value a string so nothing loses precision.
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
});

export class XmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlError';
  }
}

/** A flat `<xml><Tag>value</Tag>…</xml>` document as a map of its string leaves. */
export type XmlFields = Record<string, string>;

/**
 * Parses `<xml>…</xml>` into its top-level string leaves. WeCom never sends a DOCTYPE, so any
 * (entity-expansion bombs, external entities) is refused before parsing.
 */
export function parseXmlFields(xml: string): XmlFields {
  if (!xml.trim()) throw new XmlError('empty document');
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new XmlError('DOCTYPE is not allowed');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new XmlError(`malformed XML: ${valid.err.msg}`);
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch (err) {
    throw new XmlError(`malformed XML: ${(err as Error).message}`);
  }
  const root = (doc as Record<string, unknown> | null)?.xml;
  if (root === undefined) throw new XmlError('missing <xml> root');
  if (root === '' || root === null) return {};
  if (typeof root !== 'object' || Array.isArray(root)) throw new XmlError('unexpected <xml> content');
  const out: XmlFields = {};
  for (const [k, v] of Object.entries(root as Record<string, unknown>)) {
    if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
    // Nested elements and repeated tags are not part of the messages we handle: skip them.
  }
  return out;
}

/** CDATA that survives any text, including a literal `]]>`. */
export const cdata = (s: string) => `<![CDATA[${s.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;

/** Passive reply that changes only the clicker's buttons into one grey, disabled button. */
export function updateButtonXml(toUser: string, corpId: string, replaceName: string, now = new Date()): string {
  return (
    `<xml><ToUserName>${cdata(toUser)}</ToUserName><FromUserName>${cdata(corpId)}</FromUserName>` +
    `<CreateTime>${Math.floor(now.getTime() / 1000)}</CreateTime><MsgType>${cdata('update_button')}</MsgType>` +
    `<Button><ReplaceName>${cdata(replaceName)}</ReplaceName></Button></xml>`
  );
}

/** Passive text reply to a member's message. */
export function textReplyXml(toUser: string, corpId: string, content: string, now = new Date()): string {
  return (
    `<xml><ToUserName>${cdata(toUser)}</ToUserName><FromUserName>${cdata(corpId)}</FromUserName>` +
    `<CreateTime>${Math.floor(now.getTime() / 1000)}</CreateTime><MsgType>${cdata('text')}</MsgType>` +
    `<Content>${cdata(content)}</Content></xml>`
  );
}

/** The envelope of an encrypted passive reply. */
export function encryptedReplyXml(p: { encrypt: string; signature: string; timestamp: string; nonce: string }): string {
  return (
    `<xml><Encrypt>${cdata(p.encrypt)}</Encrypt><MsgSignature>${cdata(p.signature)}</MsgSignature>` +
    `<TimeStamp>${p.timestamp}</TimeStamp><Nonce>${cdata(p.nonce)}</Nonce></xml>`
  );
}
