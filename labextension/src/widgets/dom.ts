/** Small DOM helpers for the sidebar (plain DOM, no framework). */

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
  node.addEventListener('click', onClick);
  return node;
}

export function formatBytes(size: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** `sha256:0123456789ab` (12 hex digits), the full digest goes in the tooltip. */
export function shortDigest(digest: string): string {
  const [algorithm, hex] = digest.includes(':') ? digest.split(':', 2) : ['', digest];
  return algorithm ? `${algorithm}:${hex.slice(0, 12)}` : hex.slice(0, 12);
}

export function section(title: string, className: string, body: Node[]): HTMLElement {
  return h('section', { className: `kitops-section ${className}` }, [
    h('h3', { className: 'kitops-section-title', text: title }),
    ...body
  ]);
}
