import { JupyterFrontEnd } from '@jupyterlab/application';
import { Clipboard, Dialog, showDialog } from '@jupyterlab/apputils';

import { Widget } from '@lumino/widgets';

import { loadSnippet } from './format';
import { KitModel } from './model';
import type { IModelKitDetail } from './types';
import { ISidebarActions } from './widgets/sidebar';

/**
 * The sidebar's and the command palette's actions, on the model: the folder for pack and unpack is
 * the file browser's current folder (a path relative to the server's root).
 */
export class KitActions implements ISidebarActions {
  constructor(
    private readonly model: KitModel,
    private readonly currentPath: () => string,
    private readonly app: JupyterFrontEnd | null = null
  ) {}

  /**
   * Pack the current folder. When the secret scan stops it, list the findings in a dialog and pack
   * again only if "Pack anyway" is chosen (the server's one secret policy; nothing was written).
   */
  async pack(tag: string): Promise<unknown> {
    const path = this.currentPath();
    const job = await this.model.pack(path, tag);
    const findings = job?.error?.error === 'SecretsFound' ? job.error.details?.findings ?? [] : [];
    if (!findings.length) {
      return job;
    }
    const answer = await showDialog({
      title: 'Possible secrets found',
      body: findingsBody(findings),
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Pack anyway' })],
      defaultButton: 0
    });
    return answer.button.accept ? this.model.pack(path, tag, true) : job;
  }

  push(source: string, destination: string): Promise<unknown> {
    return this.needs(source) ?? this.model.push(source, destination);
  }

  pull(reference: string): Promise<unknown> {
    return this.needs(reference) ?? this.model.pull(reference);
  }

  unpack(reference: string, filters: string[], overwrite = false): Promise<unknown> {
    return this.needs(reference) ?? this.model.unpack(reference, this.currentPath(), filters, overwrite);
  }

  /** Remove asks first, in JupyterLab's own dialog; nothing happens unless Remove is chosen. */
  async remove(reference: string): Promise<unknown> {
    const missing = this.needs(reference);
    if (missing) {
      return missing;
    }
    const answer = await showDialog({
      title: 'Remove ModelKit?',
      body: `Remove ${reference} from the local store? Its layers are deleted unless another tag uses them.`,
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Remove' })],
      defaultButton: 0
    });
    return answer.button.accept ? this.model.remove(reference) : null;
  }

  tags(repository: string): Promise<unknown> {
    return this.needs(repository) ?? this.model.showTags(repository);
  }

  refresh(): Promise<unknown> {
    return this.model.refresh();
  }

  copySnippet(detail: IModelKitDetail): void {
    Clipboard.copyToSystem(loadSnippet(detail.reference, detail.datasets[0]));
    this.model.notifier.success(
      detail.datasets.length
        ? `Copied Python that loads dataset “${detail.datasets[0]}” of ${detail.reference}`
        : `Copied Python that loads ${detail.reference} (it lists no dataset)`
    );
  }

  /** The Kitfile as a new file in the current folder, opened in JupyterLab's editor. */
  async openKitfile(detail: IModelKitDetail): Promise<void> {
    if (!this.app) {
      return;
    }
    const contents = this.app.serviceManager.contents;
    try {
      const made = await contents.newUntitled({ path: this.currentPath(), type: 'file', ext: '.yaml' });
      const header = `# Kitfile of ${detail.reference} (${detail.digest})\n`;
      await contents.save(made.path, { type: 'file', format: 'text', content: header + detail.kitfile });
      await this.app.commands.execute('docmanager:open', { path: made.path, factory: 'Editor' });
    } catch (error) {
      this.model.fail(`Could not open the Kitfile: ${String(error)}`, 'Check that the current folder is writable.');
    }
  }

  compare(first: string, second: string): void {
    void this.model.compare(first, second);
  }

  private needs(reference: string): Promise<null> | undefined {
    if (reference.trim()) {
      return undefined;
    }
    this.model.fail('Enter a reference (registry/repository:tag) first.', 'Click a ModelKit in the list to fill it in.');
    return Promise.resolve(null);
  }
}

/** The dialog body: what the scan found (never the secret itself) and what packing anyway means. */
function findingsBody(findings: string[]): Widget {
  const node = document.createElement('div');
  node.className = 'kitops-secret-findings';
  const intro = document.createElement('p');
  intro.textContent = 'The pack was stopped: these files look like they hold secrets. Nothing was written.';
  const list = document.createElement('ul');
  for (const finding of findings) {
    const item = document.createElement('li');
    item.textContent = finding;
    list.appendChild(item);
  }
  const outro = document.createElement('p');
  outro.textContent = 'Remove them (or list them in .kitignore), or pack anyway to include them in the ModelKit.';
  node.append(intro, list, outro);
  return new Widget({ node });
}
