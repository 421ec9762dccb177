import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';

import { KitActions } from './actions';
import { addCommands } from './commands';
import { KitModel } from './model';
import { KitSidebar, SIDEBAR_ID } from './widgets/sidebar';

const PLUGIN_ID = 'kitops-jupyter:plugin';

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
    const model = new KitModel();
    const currentPath = (): string => browser?.model.path ?? '';
    const actions = new KitActions(model, currentPath);
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
