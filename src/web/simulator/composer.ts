// The composer: text typed (or a quick reply) posted to the open conversation.
import { api, errorText } from './api.js';
import { $, randomId } from './dom.js';
import { tr } from './i18n.js';
import { state } from './state.js';
import { toast } from './toast.js';

export async function sendText(text: string): Promise<boolean> {
  text = text.trim();
  if (!text) return false;
  try {
    await api('POST', '/api/sim/messages', { as: state.me, conversation: state.active, text, clientId: randomId() });
    return true;
  } catch (err) {
    toast(tr('sim.send_failed', { error: errorText(err) }), 'error');
    return false;
  }
}

/** Sends files in the DM one by one (POST /api/sim/files), as a platform's file messages would arrive. */
export async function sendFiles(files: readonly File[]): Promise<void> {
  for (const file of files) {
    const form = new FormData();
    form.append('file', file, file.name);
    try {
      const res = await fetch(`/api/sim/files?as=${encodeURIComponent(state.me)}&clientId=${randomId()}`, { method: 'POST', body: form });
      if (!res.ok) {
        const data = (await res.json().catch(() => null)) as { error?: string } | null;
        toast(tr('sim.file.upload_failed', { name: file.name, error: data?.error ?? `HTTP ${res.status}` }), 'error');
        return;
      }
    } catch (err) {
      toast(tr('sim.file.upload_failed', { name: file.name, error: errorText(err) }), 'error');
      return;
    }
  }
}

/** The 📎 button, and files dropped on the chat or pasted into the composer, while the dialog asks for files. */
function setupAttach(input: HTMLTextAreaElement): void {
  const button = $<HTMLButtonElement>('composer-attach');
  const picker = $<HTMLInputElement>('composer-file');
  const accepting = () => !button.hidden;
  button.addEventListener('click', () => picker.click());
  picker.addEventListener('change', async () => {
    const files = [...(picker.files ?? [])];
    picker.value = '';
    button.disabled = true;
    await sendFiles(files);
    button.disabled = false;
  });
  const chat = $('messages');
  chat.addEventListener('dragover', (e) => {
    if (accepting() && e.dataTransfer?.types.includes('Files')) e.preventDefault();
  });
  chat.addEventListener('drop', (e) => {
    if (!accepting() || !e.dataTransfer?.files.length) return;
    e.preventDefault();
    void sendFiles([...e.dataTransfer.files]);
  });
  input.addEventListener('paste', (e) => {
    const files = [...(e.clipboardData?.files ?? [])];
    if (!accepting() || !files.length) return;
    e.preventDefault();
    void sendFiles(files);
  });
}

export function setupComposer(): void {
  const input = $<HTMLTextAreaElement>('composer-input');
  const composer = $<HTMLFormElement>('composer');
  const autosize = () => {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
  };
  input.addEventListener('input', autosize);
  setupAttach(input);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      composer.requestSubmit();
    }
  });
  composer.addEventListener('submit', async (e) => {
    e.preventDefault();
    const send = $<HTMLButtonElement>('composer-send');
    if (send.disabled) return;
    send.disabled = true;
    if (await sendText(input.value)) {
      input.value = '';
      autosize();
    }
    send.disabled = false;
    input.focus();
  });
  $('composer-mention').addEventListener('click', () => {
    const mention = tr('sim.mention');
    if (!input.value.includes(mention)) input.value = `${mention} ${input.value}`;
    input.focus();
    autosize();
  });
}
