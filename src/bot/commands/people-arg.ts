// Reading a person named in a command (移交 刘洋 给 王芳, 委托 王芳 …): by name or id, the longest
// that begins the text, so a name needs no space after it.
import type { Directory } from '../../org/directory.js';
import type { Person } from '../../org/schema.js';

/** The person whose name or id begins `text`, and what follows it. */
export function personAtStart(dir: Directory, text: string): { person: Person; rest: string } | undefined {
  const t = text.trim();
  let best: { person: Person; len: number } | undefined;
  for (const p of dir.people.values()) {
    for (const key of [p.name.toLowerCase(), p.id.toLowerCase()]) {
      if (!key || !t.startsWith(key)) continue;
      // An id (latin) must end at a word boundary: "li" is not the start of "liming".
      const next = t.charAt(key.length);
      if (/^[a-z0-9_-]+$/.test(key) && next && /[a-z0-9_-]/.test(next)) continue;
      if (!best || key.length > best.len) best = { person: p, len: key.length };
    }
  }
  return best && { person: best.person, rest: t.slice(best.len).trim() };
}
