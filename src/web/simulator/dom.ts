// Small DOM helpers. Every piece of server data reaches the DOM through text nodes or
// attributes — never through innerHTML — so names, form values and bot text cannot inject markup.

type Child = Node | string | number | null | undefined | false | readonly Child[];
type Handler = (e: never) => unknown;
export type Attrs = Record<string, string | number | boolean | null | undefined | Record<string, string> | Handler>;

/**
 * Create an element. `attrs`: `class`, `testid` (→ data-testid), `dataset` (object),
 * `on<event>` handlers, booleans (disabled, hidden…), `value` and plain attributes.
 * Children: nodes, strings (as text), null/false (skipped) or arrays of those.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = String(v);
    else if (k === 'testid') el.dataset.testid = String(v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v as EventListener);
    else if (k === 'value') (el as HTMLInputElement).value = String(v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export function append<E extends Element>(el: E, children: readonly Child[]): E {
  for (const c of (children as unknown[]).flat(Infinity) as Array<Exclude<Child, readonly Child[]>>) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** An element of the page by id (the page's own markup: it is there). */
export const $ = <E extends HTMLElement = HTMLElement>(id: string): E => document.getElementById(id) as E;

/** A random id for `clientId` (works on plain http too, unlike crypto.randomUUID). */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** localStorage, which may refuse (private mode): reads give null, writes are dropped. */
export const storage = {
  get(key: string): string | null {
    try {
      return localStorage.getItem(key);
    } catch {
      return null;
    }
  },
  set(key: string, value: string): void {
    try {
      localStorage.setItem(key, value);
    } catch {
      /* private mode */
    }
  },
};
