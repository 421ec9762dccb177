import { Widget } from '@lumino/widgets';

import { kitIcon } from '../icon';
import { KitModel } from '../model';
import { button, h } from './dom';
import { ActionForm, IActions } from './form';
import { renderDetail, renderJobs, renderList, renderMessage, renderTags } from './views';

export const SIDEBAR_ID = 'kitops-sidebar';
const VISIBLE_JOBS = 3;

/**
 * The "KitOps" sidebar: messages, the action form, running operations, local ModelKits, remote
 * tags and the selected ModelKit's detail. Everything but the form is re-rendered from the model
 * on each change.
 */
export class KitSidebar extends Widget {
  readonly form: ActionForm;
  private readonly top = h('div', { className: 'kitops-top' });
  private readonly bottom = h('div', { className: 'kitops-bottom' });

  constructor(
    private readonly model: KitModel,
    private readonly actions: IActions & { refresh(): Promise<unknown> }
  ) {
    super();
    this.id = SIDEBAR_ID;
    this.addClass('kitops-sidebar');
    this.title.icon = kitIcon;
    this.title.caption = 'KitOps ModelKits';
    this.form = new ActionForm(actions);
    const header = h('header', { className: 'kitops-header' }, [
      h('h2', { text: 'KitOps' }),
      button('refresh', 'Refresh', 'Reload the list of local ModelKits', () => void actions.refresh())
    ]);
    this.node.append(header, this.top, this.form.node, this.bottom);
    model.changed.connect(this.render, this);
    this.render();
  }

  /** Show a ModelKit's detail and put its reference into the form. */
  async select(reference: string): Promise<void> {
    this.form.setReference(reference);
    await this.model.select(reference);
  }

  protected onAfterShow(): void {
    void this.model.refresh();
  }

  private render(): void {
    const { model } = this;
    this.top.replaceChildren(
      renderMessage(model.serverProblem, 'kitops-server-problem'),
      renderMessage(model.message, 'kitops-status')
    );
    this.node.classList.toggle('kitops-mod-loading', model.loading);
    this.bottom.replaceChildren(
      renderJobs(model.jobs.slice(0, VISIBLE_JOBS)),
      renderList(model.modelkits, model.detail?.reference, reference => void this.select(reference)),
      renderDetail(model.detail),
      renderTags(model.tags, reference => void this.actions.pull(reference))
    );
  }
}
