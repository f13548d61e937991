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

export function setupComposer(): void {
  const input = $<HTMLTextAreaElement>('composer-input');
  const composer = $<HTMLFormElement>('composer');
  const autosize = () => {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
  };
  input.addEventListener('input', autosize);
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
