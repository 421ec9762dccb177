import * as api from '../api';
import type { IModelKitDetail } from '../types';
import { button, h } from './dom';

/** A "Preview" button per dataset layer of the selected ModelKit; the preview (first rows, or image
 * thumbnails) is read through kit:// by the server, without pulling, and shown under the button. */
export function renderPreviews(detail: IModelKitDetail): HTMLElement {
  const datasets = detail.layers.filter(layer => layer.kind === 'dataset');
  return h(
    'div',
    { className: 'kitops-previews' },
    datasets.map(layer => {
      const target = h('div', { className: 'kitops-preview' });
      const label = `Preview ${layer.path || 'dataset'}`;
      const load = (): void => {
        target.replaceChildren(h('span', { text: 'Loading…' }));
        api.getPreview(detail.reference, layer.path).then(
          preview => target.replaceChildren(renderPreview(preview)),
          (error: Error) => target.replaceChildren(h('span', { className: 'kitops-mod-error', text: error.message }))
        );
      };
      return h('div', { data: { dataset: layer.path } }, [button('preview', label, 'First rows, read without pulling', load), target]);
    })
  );
}

function renderPreview(preview: api.IPreview): HTMLElement {
  if (preview.kind === 'media') {
    const cells = (preview.files ?? []).map(file => {
      const figure = h('figure', { className: 'kitops-thumb', title: `${file.path} (${file.size} B)` }, [
        h('figcaption', { text: file.label || file.path })
      ]);
      if (file.thumbnail) {
        const img = h('img');
        img.src = file.thumbnail;
        img.alt = file.path;
        figure.prepend(img);
      }
      return figure;
    });
    return h('div', { className: 'kitops-preview-media' }, cells);
  }
  const head = h('tr', {}, (preview.columns ?? []).map(name => h('th', { text: name })));
  const rows = (preview.rows ?? []).map(row => h('tr', {}, row.map(value => h('td', { text: value === null ? '' : String(value) }))));
  return h('table', { className: 'kitops-preview-table', title: preview.file ?? '' }, [h('thead', {}, [head]), h('tbody', {}, rows)]);
}
