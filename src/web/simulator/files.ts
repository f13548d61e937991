// Files in the chat: images as thumbnails (a click shows the full size over the page), other
// files as name and size; both open through a link signed for the person viewing
// (GET /api/sim/files/:id?as= redirects to it, and the link itself checks who may see the file).
import { h } from './dom.js';
import { tr } from './i18n.js';
import { state } from './state.js';
import type { CardAttachment } from './types.js';

export const fileUrl = (id: string): string => `/api/sim/files/${encodeURIComponent(id)}?as=${encodeURIComponent(state.me)}`;

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 102.4) / 10} KB`;
  return `${Math.round(bytes / (1024 * 102.4)) / 10} MB`;
}

/** The full-size image over the page; a click or Escape closes it. */
function showImage(src: string, name: string): void {
  const close = () => {
    box.remove();
    document.removeEventListener('keydown', onKey);
  };
  const onKey = (e: KeyboardEvent) => e.key === 'Escape' && close();
  const box = h('div', { class: 'lightbox', testid: 'lightbox', role: 'dialog', 'aria-label': name, onclick: close }, h('img', { src, alt: name }), h('div', { class: 'lightbox-name' }, name));
  document.addEventListener('keydown', onKey);
  document.body.append(box);
}

/** The files of a card or a message: thumbnails first, then the other files. */
export function fileList(files: readonly CardAttachment[]): HTMLElement {
  const images = files.filter((f) => f.mime.startsWith('image/'));
  const others = files.filter((f) => !f.mime.startsWith('image/'));
  return h(
    'div',
    { class: 'files', testid: 'files' },
    images.length > 0 &&
      h(
        'div',
        { class: 'thumbs' },
        images.map((f) => {
          const src = fileUrl(f.id);
          return h(
            'a',
            { class: 'thumb', href: src, target: '_blank', rel: 'noopener', title: `${f.name} · ${fileSize(f.size)}`, testid: 'file-thumb', dataset: { name: f.name }, onclick: (e: MouseEvent) => { e.preventDefault(); showImage(src, f.name); } },
            h('img', { src, alt: f.name, loading: 'lazy' }),
          );
        }),
      ),
    others.map((f) => h('a', { class: 'file-link', href: fileUrl(f.id), target: '_blank', rel: 'noopener', title: tr('sim.file.open'), testid: 'file-link' }, h('span', { class: 'file-name' }, `📄 ${f.name}`), h('span', { class: 'file-size' }, fileSize(f.size)))),
  );
}
