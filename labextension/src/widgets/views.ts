import { jobTitle, referrerLines, shortTagDigests } from '../format';
import type { IDiff, IJob, IModelKitDetail, IModelKitRow, IProvenance, IReferrers, ISignature, ITags } from '../types';
import { IMessage } from '../model';
import { button, digestText, h, referenceText, section } from './dom';
import { renderPreviews } from './preview';

/** A persistent problem (server missing or of another version), with what to do. */
export function renderProblem(message: IMessage | null): HTMLElement {
  if (!message) {
    return h('div', { className: 'kitops-server-problem kitops-mod-empty' });
  }
  return h('div', { className: 'kitops-message kitops-server-problem', data: { kind: message.kind } }, [
    h('div', { className: 'kitops-message-text', text: message.text }),
    h('div', { className: 'kitops-message-hint', text: message.hint })
  ]);
}

/** Recent jobs with a progress bar each, and Cancel on the running ones. */
export function renderJobs(jobs: IJob[], onCancel: (id: string) => void): HTMLElement {
  const rows = jobs.map(job => {
    const bar = h('progress', { className: 'kitops-progress' });
    if (job.total > 0) {
      bar.max = job.total;
      bar.value = job.done;
    } else if (job.state !== 'running') {
      bar.max = 1;
      bar.value = job.state === 'succeeded' ? 1 : 0;
    }
    const cancel =
      job.state === 'running' ? [button('cancel', 'Cancel', `Stop ${jobTitle(job)}`, () => onCancel(job.id))] : [];
    return h('li', { className: 'kitops-job', data: { state: job.state, kind: job.kind, id: job.id } }, [
      h('div', { className: 'kitops-job-line' }, [
        h('span', { className: 'kitops-job-title' }, [`${job.kind} `, referenceText(job.target)]),
        h('span', { className: 'kitops-job-state', text: job.state })
      ]),
      bar,
      h('div', { className: 'kitops-job-amount' }, [h('span', { text: job.amount }), ...cancel]),
      ...(job.error
        ? [
            h('div', { className: 'kitops-job-error' }, [
              h('div', { className: 'kitops-message-text', text: job.error.message }),
              h('div', { className: 'kitops-message-hint', text: job.error.hint })
            ])
          ]
        : [])
    ]);
  });
  return rows.length ? section('Operations', 'kitops-jobs', [h('ul', {}, rows)]) : h('div', { className: 'kitops-jobs kitops-mod-empty' });
}

/** Local ModelKits: reference, name, size, digest, created; a click shows the detail. */
export function renderList(
  rows: IModelKitRow[],
  total: number,
  selected: string | undefined,
  onSelect: (reference: string) => void
): HTMLElement {
  const items = rows.map(row => {
    const item = h(
      'li',
      {
        className: `kitops-modelkit${row.reference === selected ? ' kitops-mod-selected' : ''}`,
        data: { reference: row.reference, digest: row.digest }
      },
      [
        referenceText(row.reference, 'kitops-modelkit-ref'),
        h('div', { className: 'kitops-modelkit-meta' }, [
          h('span', { className: 'kitops-modelkit-name', text: row.name || '<no name>' }),
          h('span', { className: 'kitops-modelkit-size', text: row.size }),
          h('span', { className: 'kitops-modelkit-created', text: row.created ? row.created.replace('T', ' ').slice(0, 16) : '', title: row.created })
        ]),
        digestText(row.digest)
      ]
    );
    item.tabIndex = 0;
    item.setAttribute('role', 'button');
    item.addEventListener('click', () => onSelect(row.reference));
    item.addEventListener('keydown', event => {
      if (event.key === 'Enter') {
        onSelect(row.reference);
      }
    });
    return item;
  });
  const emptyText = total === 0 ? 'No ModelKits in the local store yet.' : 'No ModelKit matches the search.';
  const title = rows.length === total ? `Local ModelKits (${total})` : `Local ModelKits (${rows.length} of ${total})`;
  return section(title, 'kitops-list', [items.length ? h('ul', {}, items) : h('div', { className: 'kitops-empty', text: emptyText })]);
}

/** Remote tags of one repository, each with Details (read from the registry) and Pull buttons. */
export function renderTags(
  tags: ITags | null,
  onPull: (reference: string) => void,
  onDetails: (reference: string) => void
): HTMLElement {
  if (!tags) {
    return h('div', { className: 'kitops-tags kitops-mod-empty' });
  }
  const rows = tags.tags.map(row =>
    h('li', { className: 'kitops-tag-row', data: { reference: row.reference } }, [
      h('div', { className: 'kitops-tag-line' }, [
        h('span', { className: 'kitops-tag-name', text: row.tag || '(untagged)' }),
        h('span', { className: 'kitops-modelkit-size', text: row.size }),
        button('tag-details', 'Details', `Show ${row.reference} as the registry has it, with what refers to it`, () =>
          onDetails(row.reference)
        ),
        button('pull-tag', 'Pull', `Pull ${row.reference}`, () => onPull(row.reference))
      ]),
      digestText(row.digest)
    ])
  );
  const body = rows.length ? [h('ul', {}, rows)] : [h('div', { className: 'kitops-empty', text: 'No ModelKit tags in this repository.' })];
  return h('section', { className: 'kitops-section kitops-tags' }, [
    h('h3', { className: 'kitops-section-title' }, ['Remote tags of ', referenceText(tags.repository)]),
    ...body
  ]);
}

export interface IDetailActions {
  copySnippet(detail: IModelKitDetail): void;
  openKitfile(detail: IModelKitDetail): void;
  compare(first: string, second: string): void;
}

/** The selected ModelKit: facts, actions, layers, README, Kitfile and a comparison. */
export function renderDetail(
  detail: IModelKitDetail | null,
  others: string[],
  diff: IDiff | null,
  actions: IDetailActions,
  trust: ITrust = { key: '', signature: null }
): HTMLElement {
  if (!detail) {
    return h('div', { className: 'kitops-detail kitops-mod-empty' });
  }
  const facts: [string, Node | string][] = [
    ['Reference', referenceText(detail.reference)],
    ['Digest', digestText(detail.digest)],
    ['Created', detail.created ? detail.created.replace('T', ' ') : '-'],
    ['Package', [detail.package.name, detail.package.version].filter(Boolean).join(' ') || '-'],
    ['Size', detail.sizeText],
    ['Signature', renderSignature(trust)]
  ];
  const dl = h('dl', { className: 'kitops-facts' }, facts.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', {}, [v])]));
  const choose = h('select', { className: 'jp-mod-styled kitops-compare-with' });
  choose.setAttribute('aria-label', 'Compare with');
  choose.append(h('option', { text: 'Compare with…' }), ...others.map(ref => h('option', { text: ref })));
  choose.options[0].value = '';
  choose.addEventListener('change', () => {
    if (choose.value) {
      actions.compare(detail.reference, choose.value);
    }
  });
  const tools = h('div', { className: 'kitops-buttons' }, [
    button('copy-snippet', 'Copy load snippet', 'Copy Python that loads a dataset of this ModelKit into a DataFrame', () =>
      actions.copySnippet(detail)
    ),
    button('open-kitfile', 'Open Kitfile', 'Open this ModelKit’s Kitfile in the editor', () => actions.openKitfile(detail)),
    ...(others.length ? [choose] : [])
  ]);
  const layers = detail.layers.map(layer =>
    h('li', { className: 'kitops-layer', data: { kind: layer.kind }, title: `${layer.mediaType}\n${layer.digest}` }, [
      h('div', { className: 'kitops-layer-line' }, [
        h('span', { className: 'kitops-layer-kind', text: layer.kind }),
        h('span', { className: 'kitops-layer-path', text: layer.path || '-' }),
        h('span', { className: 'kitops-layer-size', text: layer.sizeText })
      ]),
      digestText(layer.digest)
    ])
  );
  const readme = detail.readme
    ? [h('h4', { text: 'README' }), renderMarkdown(detail.readme)]
    : [];
  return section('Details', 'kitops-detail', [
    dl,
    tools,
    ...(diff && diff.first === detail.reference ? [renderDiff(diff)] : []),
    h('h4', { text: `Layers (${detail.layers.length})` }),
    h('ul', { className: 'kitops-layers' }, layers),
    ...(detail.referrers ? renderReferrers(detail.referrers, trust) : []),
    ...renderProvenance(trust.signature?.provenance ?? []),
    renderPreviews(detail),
    ...readme,
    h('h4', { text: 'Kitfile' }),
    h('pre', { className: 'kitops-kitfile', text: detail.kitfile })
  ]);
}

/** The public key of the settings and the selected ModelKit's signature checked with it. */
export interface ITrust {
  key: string;
  signature: ISignature | null;
}

/** "Signed" by which key, "Not signed" and why, or how to get it checked. */
export function renderSignature(trust: ITrust): HTMLElement {
  const { key, signature } = trust;
  if (!key) {
    return h('span', {
      className: 'kitops-signature',
      data: { state: 'no-key' },
      text: 'Set a public key under ⚙ Registries to check'
    });
  }
  if (!signature) {
    return h('span', { className: 'kitops-signature', data: { state: 'checking' }, text: 'Checking…' });
  }
  if (!signature.signed) {
    return h('span', { className: 'kitops-signature', data: { state: 'unsigned' }, title: signature.message }, [
      h('span', { className: 'kitops-signature-state', text: 'Not signed' }),
      h('span', { className: 'kitops-signature-why', text: ` by ${key}: ${signature.message}` })
    ]);
  }
  return h('span', { className: 'kitops-signature', data: { state: 'signed' }, title: signature.message }, [
    h('span', { className: 'kitops-signature-state', text: 'Signed' }),
    h('span', { className: 'kitops-signature-key', text: ` by ${key} (${signature.key ?? ''})` })
  ]);
}

/**
 * What refers to a remote ModelKit in its registry: kind, artifact type, digest, where it was found
 * and, for cosign signatures, whether they verify with the settings' public key.
 */
export function renderReferrers(referrers: IReferrers, trust: ITrust): HTMLElement[] {
  const how = referrers.referrersApi
    ? 'Looked up through the registry’s OCI referrers API (and cosign’s sha256-… tags).'
    : 'This registry has no referrers API: looked up through the sha256-… referrers tag (and cosign’s tags).';
  const rows = referrerLines(referrers.referrers, trust.key, trust.signature).map(line =>
    h('li', { className: 'kitops-referrer', data: { kind: line.kind, check: line.check, digest: line.digest } }, [
      h('div', { className: 'kitops-layer-line' }, [
        h('span', { className: 'kitops-referrer-kind', text: line.kind }),
        h('span', { className: 'kitops-referrer-type', text: line.type || '-', title: line.type })
      ]),
      digestText(line.digest),
      ...(line.checkText ? [h('div', { className: 'kitops-referrer-check', text: line.checkText })] : []),
      h('div', { className: 'kitops-referrer-found', text: `found by ${shortTagDigests(line.foundBy)}`, title: line.foundBy })
    ])
  );
  return [
    h('h4', { text: `Referrers (${rows.length})` }),
    h('div', { className: 'kitops-referrers-how', data: { api: String(referrers.referrersApi) }, text: how }),
    rows.length
      ? h('ul', { className: 'kitops-referrers' }, rows)
      : h('div', { className: 'kitops-empty', text: 'Nothing refers to this ModelKit in its registry.' })
  ];
}

/** Each verified SLSA provenance: who built it, from which notebook, when, and its materials. */
export function renderProvenance(provenance: IProvenance[]): HTMLElement[] {
  if (!provenance.length) {
    return [];
  }
  const blocks = provenance.map(each => {
    const facts: [string, string][] = [
      ['Builder', each.builder?.id ?? '-'],
      ['Notebook', each.invocation?.configSource?.uri ?? '-'],
      ['Built', (each.metadata?.buildFinishedOn ?? '-').replace('T', ' ')]
    ];
    const materials = (each.materials ?? []).map(material =>
      h('li', { className: 'kitops-material', text: material.uri ?? '', title: JSON.stringify(material.digest ?? {}) })
    );
    return h('div', { className: 'kitops-provenance' }, [
      h('dl', { className: 'kitops-facts' }, facts.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })])),
      h('h5', { text: `Materials (${materials.length})` }),
      h('ul', { className: 'kitops-materials' }, materials)
    ]);
  });
  return [h('h4', { text: 'Provenance (verified)' }), ...blocks];
}

/** Layers added, removed and changed from the selected ModelKit to another. */
export function renderDiff(diff: IDiff): HTMLElement {
  const rows = diff.layers.map(layer =>
    h('li', { className: 'kitops-diff-row', data: { change: layer.change, kind: layer.kind } }, [
      h('span', { className: 'kitops-diff-change', text: SIGNS[layer.change] }),
      h('span', { className: 'kitops-layer-kind', text: layer.kind }),
      h('span', { className: 'kitops-layer-path', text: layer.path || '-' }),
      h('span', { className: 'kitops-layer-size', text: layer.sizeText })
    ])
  );
  const verdict = diff.identical ? 'identical' : `${diff.layers.filter(l => l.change !== 'same').length} layer change(s)`;
  return h('div', { className: 'kitops-diff' }, [
    h('div', { className: 'kitops-diff-title' }, ['Compared with ', referenceText(diff.second), `: ${verdict}`]),
    h('ul', {}, rows)
  ]);
}

const SIGNS: Record<string, string> = { added: '+ added', removed: '− removed', changed: '~ changed', same: '= same' };

/**
 * A README as a few safe blocks (headings, paragraphs, lists, code): text only, never HTML from
 * the ModelKit, so nothing in it can run in the page.
 */
export function renderMarkdown(text: string): HTMLElement {
  const root = h('div', { className: 'kitops-readme' });
  let list: HTMLElement | null = null;
  let code: string[] | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) {
      if (code) {
        root.append(h('pre', { text: code.join('\n') }));
        code = null;
      } else {
        code = [];
      }
      continue;
    }
    if (code) {
      code.push(line);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const item = /^\s*[-*]\s+(.*)$/.exec(line);
    if (item) {
      list = list ?? root.appendChild(h('ul'));
      list.append(h('li', { text: item[1] }));
      continue;
    }
    list = null;
    if (heading) {
      root.append(h(heading[1].length <= 2 ? 'h4' : 'h5', { text: heading[2] }));
    } else if (line.trim()) {
      root.append(h('p', { text: line }));
    }
  }
  if (code) {
    root.append(h('pre', { text: code.join('\n') }));
  }
  return root;
}
