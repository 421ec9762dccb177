/** Small DOM helpers for the sidebar (plain DOM, no framework). */
import { Clipboard } from '@jupyterlab/apputils';
import { copyIcon } from '@jupyterlab/ui-components';

import { breakableParts, shortDigest } from '../format';

export interface IAttrs {
  className?: string;
  text?: string;
  title?: string;
  data?: Record<string, string>;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: IAttrs = {},
  children: (Node | string)[] = []
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (attrs.className) {
    node.className = attrs.className;
  }
  if (attrs.text !== undefined) {
    node.textContent = attrs.text;
  }
  if (attrs.title) {
    node.title = attrs.title;
  }
  for (const [key, value] of Object.entries(attrs.data ?? {})) {
    node.dataset[key] = value;
  }
  node.append(...children);
  return node;
}

export function button(action: string, label: string, title: string, onClick: () => void): HTMLButtonElement {
  const node = h('button', { className: 'jp-Button kitops-button', text: label, title, data: { action } });
  node.type = 'button';
  node.addEventListener('click', event => {
    event.stopPropagation();
    onClick();
  });
  return node;
}

/** Parts longer than this may still break inside (rather than stick out of a narrow sidebar). */
const UNBREAKABLE_PART = 28;

/**
 * A reference that wraps only after `/`, `:` and `@`: each part is kept whole (no break at its
 * hyphens), unless it is too long to fit the sidebar on its own.
 */
export function referenceText(reference: string, className = 'kitops-ref'): HTMLElement {
  const node = h('span', { className, title: reference });
  for (const part of breakableParts(reference)) {
    const whole = part.length <= UNBREAKABLE_PART ? 'kitops-ref-part' : 'kitops-ref-part kitops-mod-long';
    node.append(h('span', { className: whole, text: part }), document.createElement('wbr'));
  }
  return node;
}

/** A shortened digest; the full one is its tooltip and what its copy button copies. */
export function digestText(digest: string): HTMLElement {
  const copy = h('button', { className: 'kitops-copy', title: `Copy ${digest}`, data: { action: 'copy-digest' } });
  copy.append(copyIcon.element({ tag: 'span', height: '14px', width: '14px' }));
  copy.type = 'button';
  copy.setAttribute('aria-label', `Copy the full digest ${digest}`);
  copy.addEventListener('click', event => {
    event.stopPropagation();
    Clipboard.copyToSystem(digest);
  });
  return h('span', { className: 'kitops-digest', data: { digest } }, [
    h('code', { text: shortDigest(digest), title: digest }),
    copy
  ]);
}

export function section(title: string, className: string, body: Node[]): HTMLElement {
  return h('section', { className: `kitops-section ${className}` }, [
    h('h3', { className: 'kitops-section-title', text: title }),
    ...body
  ]);
}

export function textInput(className: string, placeholder: string, label: string): HTMLInputElement {
  const node = h('input', { className: `jp-mod-styled ${className}` });
  node.type = 'text';
  node.placeholder = placeholder;
  node.spellcheck = false;
  node.setAttribute('aria-label', label);
  return node;
}

export function checkbox(className: string, label: string, title: string): [HTMLElement, HTMLInputElement] {
  const box = h('input', { className });
  box.type = 'checkbox';
  return [h('label', { className: 'kitops-check', title }, [box, h('span', { text: label })]), box];
}
