// Names of the buttons inside a Feishu form container. Card JSON 2.0 form buttons carry no
// `behaviors` (no callback value): a submit reports the button's `name` as `action.name`, with
// the inputs as `action.form_value`. So the name itself says what the button does: the action,
// request, step and type of an ActionValue, reversibly encoded in [A-Za-z0-9_] only.
//
//   qp_<a>_<r>_<s>_<t>   (an absent part is empty: `qp_submit___event`)
//
// Each part keeps letters and digits except `x`; any other character (and `x`) becomes `x` and
// two hex digits per UTF-8 byte, so `_` only ever separates parts.
import { decodeAction, type ActionValue } from '../../../cards/model.js';

const PREFIX = 'qp';
const PARTS = ['a', 'r', 's', 't'] as const;

function encodePart(s: string): string {
  let out = '';
  for (const ch of s) {
    if (/^[A-Za-wyz0-9]$/.test(ch)) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `x${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

function decodePart(s: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === 'x') {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (/^[A-Za-z0-9]$/.test(c)) bytes.push(c.charCodeAt(0));
    else return undefined;
  }
  const text = Buffer.from(bytes).toString('utf8');
  // A byte sequence that is not UTF-8 comes back with U+FFFD: not one of ours.
  return text.includes('\uFFFD') ? undefined : text;
}

/** The `name` of a form button that stands for `a`. */
export function formButtonName(a: ActionValue): string {
  return [PREFIX, ...PARTS.map((k) => encodePart(a[k] ?? ''))].join('_');
}

/** The ActionValue a form button's `name` stands for; undefined for any other name. */
export function actionFromName(name: unknown): ActionValue | undefined {
  if (typeof name !== 'string' || name.length > 400) return undefined;
  const parts = name.split('_');
  if (parts.length !== PARTS.length + 1 || parts[0] !== PREFIX) return undefined;
  const out: Record<string, string> = {};
  for (let i = 0; i < PARTS.length; i++) {
    const v = decodePart(parts[i + 1]!);
    if (v === undefined) return undefined;
    if (v !== '') out[PARTS[i]!] = v;
  }
  // The same limits as a callback value.
  return decodeAction(out);
}
