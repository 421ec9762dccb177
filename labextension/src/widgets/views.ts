import * as api from '../api';
import { IMessage } from '../model';
import { button, formatBytes, h, section, shortDigest } from './dom';

/** The error or success line, with the hint under an error. */
export function renderMessage(message: IMessage | null, className: string): HTMLElement {
  if (!message) {
    return h('div', { className: `${className} kitops-mod-empty` });
  }
  return h('div', { className: `kitops-message ${className} kitops-mod-${message.kind}`, data: { kind: message.kind } }, [
    h('div', { className: 'kitops-message-text', text: message.text }),
    ...(message.hint ? [h('div', { className: 'kitops-message-hint', text: message.hint })] : [])
  ]);
}

/** Recent jobs with a progress bar each. */
export function renderJobs(jobs: api.IJob[]): HTMLElement {
  const rows = jobs.map(job => {
    const bar = h('progress', { className: 'kitops-progress' });
    if (job.total > 0) {
      bar.max = job.total;
      bar.value = job.done;
    } else if (job.state !== 'running') {
      bar.max = 1;
      bar.value = job.state === 'succeeded' ? 1 : 0;
    }
    const amount = job.total > 0 ? `${formatBytes(job.done)} / ${formatBytes(job.total)}` : '';
    return h('li', { className: 'kitops-job', data: { state: job.state, kind: job.kind, id: job.id } }, [
      h('div', { className: 'kitops-job-line' }, [
        h('span', { className: 'kitops-job-title', text: `${job.kind} ${job.target}`, title: job.target }),
        h('span', { className: 'kitops-job-state', text: job.state })
      ]),
      bar,
      h('div', { className: 'kitops-job-amount', text: amount })
    ]);
  });
  return section('Operations', 'kitops-jobs', rows.length ? [h('ul', {}, rows)] : []);
}

/** Local ModelKits: reference, name, size, digest, created; a click shows the detail. */
export function renderList(
  rows: api.IModelKitRow[],
  selected: string | undefined,
  onSelect: (reference: string) => void
): HTMLElement {
  const items = rows.map(row => {
    const item = h('li', {
      className: `kitops-modelkit${row.reference === selected ? ' kitops-mod-selected' : ''}`,
      data: { reference: row.reference, digest: row.digest },
      title: `${row.reference}\n${row.digest}`
    }, [
      h('div', { className: 'kitops-modelkit-ref', text: row.reference }),
      h('div', { className: 'kitops-modelkit-meta' }, [
        h('span', { className: 'kitops-modelkit-name', text: row.name || '<no name>' }),
        h('span', { className: 'kitops-modelkit-size', text: row.size }),
        h('span', { className: 'kitops-modelkit-created', text: row.created ? row.created.replace('T', ' ') : '' })
      ]),
      h('code', { className: 'kitops-modelkit-digest', text: shortDigest(row.digest) })
    ]);
    item.addEventListener('click', () => onSelect(row.reference));
    return item;
  });
  const empty = h('div', { className: 'kitops-empty', text: 'No ModelKits in the local store yet.' });
  return section(`Local ModelKits (${rows.length})`, 'kitops-list', [items.length ? h('ul', {}, items) : empty]);
}

/** Remote tags of one repository, each with a Pull button. */
export function renderTags(tags: api.ITags | null, onPull: (reference: string) => void): HTMLElement {
  if (!tags) {
    return h('div', { className: 'kitops-tags kitops-mod-empty' });
  }
  const rows = tags.tags.map(row =>
    h('li', { className: 'kitops-tag-row', data: { reference: row.reference } }, [
      h('span', { className: 'kitops-tag-name', text: row.tag || shortDigest(row.digest) }),
      h('span', { className: 'kitops-modelkit-size', text: row.size }),
      h('code', { text: shortDigest(row.digest), title: row.digest }),
      button('pull-tag', 'Pull', `Pull ${row.reference}`, () => onPull(row.reference))
    ])
  );
  return section(`Remote tags of ${tags.repository}`, 'kitops-tags', [h('ul', {}, rows)]);
}

/** The selected ModelKit: header facts, layers, and its Kitfile. */
export function renderDetail(detail: api.IModelKitDetail | null): HTMLElement {
  if (!detail) {
    return h('div', { className: 'kitops-detail kitops-mod-empty' });
  }
  const facts: [string, string][] = [
    ['Reference', detail.reference],
    ['Digest', detail.digest],
    ['Created', detail.created || '-'],
    ['Package', [detail.package.name, detail.package.version].filter(Boolean).join(' ') || '-'],
    ['Size', formatBytes(detail.size)]
  ];
  const dl = h('dl', { className: 'kitops-facts' }, facts.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })]));
  const layers = detail.layers.map(layer =>
    h('tr', { className: 'kitops-layer', data: { kind: layer.kind }, title: `${layer.mediaType}\n${layer.digest}` }, [
      h('td', { text: layer.kind }),
      h('td', { text: layer.path || '-' }),
      h('td', { text: formatBytes(layer.size) }),
      h('td', {}, [h('code', { text: shortDigest(layer.digest) })])
    ])
  );
  return section('Details', 'kitops-detail', [
    dl,
    h('h4', { text: `Layers (${detail.layers.length})` }),
    h('table', { className: 'kitops-layers' }, [h('tbody', {}, layers)]),
    h('h4', { text: 'Kitfile' }),
    h('pre', { className: 'kitops-kitfile', text: detail.kitfile })
  ]);
}
