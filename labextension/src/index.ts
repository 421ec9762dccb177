import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, ICommandPalette, Notification, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';

import { KitActions } from './actions';
import { addCommands } from './commands';
import { INotifier, KitModel } from './model';
import { KitSidebar, SIDEBAR_ID } from './widgets/sidebar';

const PLUGIN_ID = 'kitops-jupyter:plugin';

/** The whole error and what to do, in a dialog (a toast shows only the first 140 characters). */
function showDetails(text: string, hint: string): void {
  const node = document.createElement('div');
  node.className = 'kitops-error-details';
  const message = document.createElement('p');
  message.className = 'kitops-error-message';
  message.textContent = text;
  const next = document.createElement('p');
  next.className = 'kitops-error-hint';
  next.textContent = hint;
  node.append(message, ...(hint ? [next] : []));
  void showDialog({ title: 'KitOps error', body: new Widget({ node }), buttons: [Dialog.okButton({ label: 'Close' })] });
}

/** Results and errors as JupyterLab notifications (errors stay until dismissed, with Details). */
const notifier: INotifier = {
  success: text => void Notification.success(text, { autoClose: 6000 }),
  info: text => void Notification.info(text, { autoClose: 6000 }),
  error: (text, hint) =>
    void Notification.error(hint ? `${text} — ${hint}` : text, {
      autoClose: false,
      actions: [{ label: 'Details', caption: 'Show the whole error and what to do', callback: () => showDetails(text, hint) }]
    })
};

/** The KitOps sidebar (left area) and its command-palette entries. */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'A sidebar to list, inspect, pack, push, pull, unpack and remove KitOps ModelKits.',
  autoStart: true,
  requires: [ICommandPalette],
  optional: [ILayoutRestorer, IDefaultFileBrowser],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette,
    restorer: ILayoutRestorer | null,
    browser: IDefaultFileBrowser | null
  ) => {
    const model = new KitModel(notifier);
    const currentPath = (): string => browser?.model.path ?? '';
    const actions = new KitActions(model, currentPath, app);
    const sidebar = new KitSidebar(model, actions);
    sidebar.form.setFolder(currentPath());
    browser?.model.pathChanged.connect(() => sidebar.form.setFolder(currentPath()));
    app.shell.add(sidebar, 'left', { rank: 850 });
    restorer?.add(sidebar, SIDEBAR_ID);
    addCommands(app, palette, sidebar, actions);
    void model.checkServer().then(ok => {
      if (!ok && model.serverProblem) {
        Notification.warning(`${model.serverProblem.text} ${model.serverProblem.hint}`, { autoClose: false });
      }
    });
  }
};

export default plugin;
