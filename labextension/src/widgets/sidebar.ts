import { Widget } from '@lumino/widgets';

import { filterRows, repositoryOf } from '../format';
import { kitIcon } from '../icon';
import { KitModel } from '../model';
import { button, h, textInput } from './dom';
import { ActionForm, IActions } from './form';
import { SettingsView } from './settings';
import { IDetailActions, renderDetail, renderJobs, renderList, renderProblem, renderTags } from './views';

export const SIDEBAR_ID = 'kitops-sidebar';
const VISIBLE_JOBS = 3;

export interface ISidebarActions extends IActions, IDetailActions {
  refresh(): Promise<unknown>;
}

/**
 * The "KitOps" sidebar with two views: ModelKits (the action form, running operations, a search,
 * the live list of local ModelKits, remote tags and the selected ModelKit's detail) and Registries
 * (settings and logins). Results and errors are JupyterLab notifications, so nothing here moves
 * when an operation ends. The list follows the store by itself while the sidebar is visible.
 */
export class KitSidebar extends Widget {
  readonly form: ActionForm;
  readonly settings: SettingsView;
  readonly search = textInput('kitops-search', 'Search ModelKits', 'Search ModelKits');
  private readonly problem = h('div', { className: 'kitops-problem-slot' });
  private readonly jobs = h('div', { className: 'kitops-jobs-slot' });
  private readonly bottom = h('div', { className: 'kitops-bottom' });
  private readonly main: HTMLElement;
  private readonly tabs: Record<string, HTMLButtonElement>;

  constructor(
    private readonly model: KitModel,
    private readonly actions: ISidebarActions
  ) {
    super();
    this.id = SIDEBAR_ID;
    this.addClass('kitops-sidebar');
    this.title.icon = kitIcon;
    this.title.caption = 'KitOps ModelKits';
    this.form = new ActionForm(actions, reference => model.keepTagsOf(repositoryOf(reference)));
    this.settings = new SettingsView(model);
    this.tabs = {
      modelkits: button('view-modelkits', 'ModelKits', 'Local ModelKits and actions', () => this.showView('modelkits')),
      registries: button('view-registries', '⚙ Registries', 'Registry settings and logins', () => this.showView('registries'))
    };
    const header = h('header', { className: 'kitops-header' }, [
      h('h2', { text: 'KitOps' }),
      h('div', { className: 'kitops-tabs', data: { role: 'tablist' } }, Object.values(this.tabs))
    ]);
    this.search.type = 'search';
    this.search.addEventListener('input', () => this.render());
    this.main = h('div', { className: 'kitops-main' }, [
      this.form.node,
      this.jobs,
      h('div', { className: 'kitops-search-line' }, [
        this.search,
        button('refresh', 'Refresh', 'Reload the list (it also follows the store by itself)', () => void actions.refresh())
      ]),
      this.bottom
    ]);
    this.node.append(header, this.problem, this.main, this.settings.node);
    model.changed.connect(this.render, this);
    this.showView('modelkits');
  }

  /** Show a ModelKit's detail (``remote``: as its registry has it) and put its reference into the form. */
  async select(reference: string, remote = false): Promise<void> {
    this.form.setReference(reference);
    this.model.keepTagsOf(repositoryOf(reference));
    await this.model.select(reference, remote);
  }

  showView(view: 'modelkits' | 'registries'): void {
    for (const [name, tab] of Object.entries(this.tabs)) {
      tab.classList.toggle('kitops-mod-current', name === view);
      tab.setAttribute('aria-pressed', String(name === view));
    }
    this.main.hidden = view !== 'modelkits';
    this.settings.node.hidden = view !== 'registries';
    if (view === 'registries') {
      void this.model.loadRegistries();
      void this.model.loadSignatureSettings();
    }
    this.render();
  }

  protected onAfterShow(): void {
    void this.model.refresh();
    this.model.watch(() => this.isVisible);
  }

  private render(): void {
    const { model } = this;
    this.problem.replaceChildren(renderProblem(model.serverProblem));
    this.node.classList.toggle('kitops-mod-loading', model.loading);
    this.jobs.replaceChildren(renderJobs(model.jobs.slice(0, VISIBLE_JOBS), id => void model.cancel(id)));
    const rows = filterRows(model.modelkits, this.search.value);
    const selected = model.detailIsRemote ? undefined : model.detail?.reference;
    const others = model.modelkits.map(row => row.reference).filter(ref => ref !== selected);
    this.bottom.replaceChildren(
      renderList(rows, model.modelkits.length, selected, reference => void this.select(reference)),
      renderTags(
        model.tags,
        reference => void this.actions.pull(reference),
        reference => void this.select(reference, true)
      ),
      renderDetail(model.detail, others, model.diff, this.actions, {
        key: model.signatureSettings.verifyKey,
        signature: model.signature
      })
    );
  }
}
