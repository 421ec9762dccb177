import { parseFilters, repositoryOf } from '../format';
import { button, checkbox, h, textInput } from './dom';

export { parseFilters, repositoryOf };

/** What the form's buttons do; implemented by the sidebar with the model. */
export interface IActions {
  pack(tag: string): Promise<unknown>;
  push(source: string, destination: string): Promise<unknown>;
  pull(reference: string): Promise<unknown>;
  unpack(reference: string, filters: string[], overwrite: boolean): Promise<unknown>;
  remove(reference: string): Promise<unknown>;
  tags(repository: string): Promise<unknown>;
}

function field(label: string, input: HTMLInputElement): HTMLElement {
  return h('label', { className: 'kitops-field' }, [h('span', { text: label }), input]);
}

/** The inputs and action buttons; its inputs persist across re-renders of the rest. */
export class ActionForm {
  readonly node: HTMLElement;
  readonly reference = textInput('kitops-reference', 'registry/repository:tag', 'Reference');
  readonly destination = textInput('kitops-destination', 'optional: another reference', 'Push to');
  readonly filters = textInput('kitops-filters', 'optional: model datasets:train', 'Unpack filters');
  readonly overwrite: HTMLInputElement;
  private readonly folder = h('code', { className: 'kitops-folder', text: '/' });

  constructor(actions: IActions, onReferenceChange: (reference: string) => void) {
    const ref = (): string => this.reference.value.trim();
    const [overwriteLabel, overwrite] = checkbox(
      'kitops-overwrite',
      'Overwrite existing files',
      'Unpack over files that already exist in the current folder'
    );
    this.overwrite = overwrite;
    this.reference.addEventListener('input', () => onReferenceChange(ref()));
    const buttons = h('div', { className: 'kitops-buttons' }, [
      button('pack', 'Pack folder', 'Pack the file browser’s current folder, tagged with the reference', () => {
        void actions.pack(ref());
      }),
      button('push', 'Push', 'Push the reference to its registry (or to “Push to”)', () => {
        void actions.push(ref(), this.destination.value.trim());
      }),
      button('pull', 'Pull', 'Pull the reference from its registry', () => void actions.pull(ref())),
      button('unpack', 'Unpack here', 'Unpack the reference into the current folder, with the filters', () => {
        void actions.unpack(ref(), parseFilters(this.filters.value), this.overwrite.checked);
      }),
      button('tags', 'Remote tags', 'List the tags of the reference’s repository', () => {
        void actions.tags(repositoryOf(ref()));
      }),
      button('remove', 'Remove…', 'Remove the reference from the local store (asks first)', () => void actions.remove(ref()))
    ]);
    this.node = h('div', { className: 'kitops-form' }, [
      field('Reference', this.reference),
      field('Push to', this.destination),
      field('Filters', this.filters),
      overwriteLabel,
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
