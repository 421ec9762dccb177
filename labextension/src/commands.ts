import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, InputDialog } from '@jupyterlab/apputils';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { KitActions } from './actions';
import { kitIcon } from './icon';
import { KitSidebar } from './widgets/sidebar';
import { parseFilters, repositoryOf } from './format';

export const CommandIDs = {
  open: 'kitops:open',
  refresh: 'kitops:refresh',
  pack: 'kitops:pack',
  push: 'kitops:push',
  pull: 'kitops:pull',
  unpack: 'kitops:unpack',
  remove: 'kitops:remove',
  tags: 'kitops:tags'
} as const;

type Args = ReadonlyPartialJSONObject;

/** An argument if the caller gave it, else ask (null when the dialog is cancelled). */
async function ask(args: Args, name: string, title: string, initial: string, optional = false): Promise<string | null> {
  const given = args[name];
  if (typeof given === 'string') {
    return given;
  }
  const result = await InputDialog.getText({ title, text: initial, placeholder: optional ? '(optional)' : '' });
  return result.button.accept ? (result.value ?? '').trim() : null;
}

/** Register the palette commands; each one shows the sidebar, where progress and errors appear. */
export function addCommands(app: JupyterFrontEnd, palette: ICommandPalette, sidebar: KitSidebar, actions: KitActions): void {
  const { commands, shell } = app;
  const show = (): void => shell.activateById(sidebar.id);
  const current = (): string => sidebar.form.reference.value.trim();
  const add = (id: string, label: string, run: (args: Args) => Promise<unknown>): void => {
    commands.addCommand(id, {
      label,
      caption: label,
      icon: kitIcon,
      execute: async args => {
        show();
        return run(args);
      }
    });
    palette.addItem({ command: id, category: 'KitOps' });
  };

  add(CommandIDs.open, 'KitOps: Show ModelKits', async () => actions.refresh());
  add(CommandIDs.refresh, 'KitOps: Refresh ModelKits', async () => actions.refresh());
  add(CommandIDs.pack, 'KitOps: Pack Current Folder…', async args => {
    const tag = await ask(args, 'tag', 'Pack the current folder as (tag)', current(), true);
    return tag === null ? null : actions.pack(tag);
  });
  add(CommandIDs.push, 'KitOps: Push ModelKit…', async args => {
    const source = await ask(args, 'source', 'Push which ModelKit?', current());
    const destination = source === null ? null : await ask(args, 'destination', 'Push to (empty: its own reference)', '', true);
    return source === null || destination === null ? null : actions.push(source, destination);
  });
  add(CommandIDs.pull, 'KitOps: Pull ModelKit…', async args => {
    const reference = await ask(args, 'reference', 'Pull which reference?', current());
    return reference === null ? null : actions.pull(reference);
  });
  add(CommandIDs.unpack, 'KitOps: Unpack into Current Folder…', async args => {
    const reference = await ask(args, 'reference', 'Unpack which reference?', current());
    const filters = reference === null ? null : await ask(args, 'filters', 'Filters (e.g. model datasets:train)', '', true);
    return reference === null || filters === null ? null : actions.unpack(reference, parseFilters(filters), false);
  });
  add(CommandIDs.remove, 'KitOps: Remove Local ModelKit…', async args => {
    const reference = await ask(args, 'reference', 'Remove which local reference?', current());
    return reference === null ? null : actions.remove(reference);
  });
  add(CommandIDs.tags, 'KitOps: List Remote Tags…', async args => {
    const repository = await ask(args, 'repository', 'Tags of which repository?', repositoryOf(current()));
    return repository === null ? null : actions.tags(repository);
  });
}
