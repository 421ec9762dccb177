import { button, h } from './dom';

/** What the form's buttons do; implemented by the sidebar with the model. */
export interface IActions {
  pack(tag: string): Promise<unknown>;
  push(source: string, destination: string): Promise<unknown>;
  pull(reference: string): Promise<unknown>;
  unpack(reference: string, filters: string[]): Promise<unknown>;
  remove(reference: string): Promise<unknown>;
  tags(repository: string): Promise<unknown>;
}

/** `registry/repo:tag@digest` → `registry/repo` (a port's colon before the last `/` stays). */
export function repositoryOf(reference: string): string {
  const bare = reference.split('@')[0];
  const slash = bare.lastIndexOf('/');
  const colon = bare.lastIndexOf(':');
  return colon > slash ? bare.slice(0, colon) : bare;
}

/** `"model  datasets:train"` → `["model", "datasets:train"]` (kit's --filter values, space separated). */
export function parseFilters(text: string): string[] {
  return text.split(/\s+/).filter(part => part.length > 0);
}

function field(label: string, input: HTMLInputElement): HTMLElement {
  return h('label', { className: 'kitops-field' }, [h('span', { text: label }), input]);
}

function input(className: string, placeholder: string): HTMLInputElement {
  const node = h('input', { className: `jp-mod-styled ${className}` });
  node.type = 'text';
  node.placeholder = placeholder;
  node.spellcheck = false;
  return node;
}

/** The inputs and action buttons; its inputs persist across re-renders of the rest. */
export class ActionForm {
  readonly node: HTMLElement;
  readonly reference = input('kitops-reference', 'registry/repository:tag');
  readonly destination = input('kitops-destination', 'push to (optional): registry/repository:tag');
  readonly filters = input('kitops-filters', 'unpack filters (optional): model datasets:train');
  private readonly folder = h('code', { className: 'kitops-folder', text: '/' });

  constructor(actions: IActions) {
    const ref = (): string => this.reference.value.trim();
    const buttons = h('div', { className: 'kitops-buttons' }, [
      button('pack', 'Pack folder', 'Pack the file browser’s current folder, tagged with the reference', () => {
        void actions.pack(ref());
      }),
      button('push', 'Push', 'Push the reference to its registry (or to “push to”)', () => {
        void actions.push(ref(), this.destination.value.trim());
      }),
      button('pull', 'Pull', 'Pull the reference from its registry', () => void actions.pull(ref())),
      button('unpack', 'Unpack here', 'Unpack the reference into the current folder, with the filters', () => {
        void actions.unpack(ref(), parseFilters(this.filters.value));
      }),
      button('remove', 'Remove', 'Remove the reference from the local store', () => void actions.remove(ref())),
      button('tags', 'Remote tags', 'List the tags of the reference’s repository', () => {
        void actions.tags(repositoryOf(ref()));
      })
    ]);
    this.node = h('div', { className: 'kitops-form' }, [
      field('Reference', this.reference),
      field('Push to', this.destination),
      field('Filters', this.filters),
      h('div', { className: 'kitops-folder-line' }, [h('span', { text: 'Current folder: ' }), this.folder]),
      buttons
    ]);
  }

  setFolder(path: string): void {
    this.folder.textContent = `/${path}`;
  }

  setReference(reference: string): void {
    this.reference.value = reference;
  }
}
