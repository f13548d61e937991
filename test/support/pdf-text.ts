// The text of a PDF, page by page, with Mozilla's PDF.js (its Node build): how tests check what
// a generated PDF says.

// PDF.js expects Promise.withResolvers (Node 22+); Node 20 lacks it. (5.6 is the newest PDF.js whose engines include Node 20.)
const P = Promise as unknown as { withResolvers?: () => unknown };
P.withResolvers ??= function withResolvers<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

// A CJK font's glyph shared by a character and a radical may be mapped back to the radical's
// code point: NFKC folds the Kangxi radicals (only those: it would fold full-width punctuation too) (⼈ → 人); the simplified forms of the CJK Radicals
// Supplement are folded here.
const RADICALS: Record<string, string> = {
  '⻆': '角', '⻉': '贝', '⻋': '车', '⻓': '长', '⻔': '门', '⻘': '青', '⻙': '韦', '⻚': '页', '⻛': '风', '⻜': '飞', '⻝': '食', '⻢': '马',
  '⻣': '骨', '⻤': '鬼', '⻥': '鱼', '⻦': '鸟', '⻨': '麦', '⻩': '黄', '⻪': '黾', '⻬': '齐', '⻮': '齿', '⻰': '龙', '⻳': '龟', '⻅': '见', '⻈': '讠', '⻐': '钅', '⻏': '阝',
};
const fold = (s: string) => s.replace(/[\u2f00-\u2fdf]/g, (c) => c.normalize('NFKC')).replace(/[\u2e80-\u2eff]/g, (c) => RADICALS[c] ?? c);

export async function pdfText(bytes: Uint8Array): Promise<string> {
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const task = getDocument({ data: new Uint8Array(bytes), useSystemFonts: false });
  const doc = await task.promise;
  try {
    const pages: string[] = [];
    for (let i = 1; i <= doc.numPages; i++) {
      const content = await (await doc.getPage(i)).getTextContent();
      pages.push(fold(content.items.map((item) => ('str' in item ? item.str : '')).join('')));
    }
    return pages.join('\n');
  } finally {
    await task.destroy();
  }
}
