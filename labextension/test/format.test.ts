import {
  breakableParts,
  filterRows,
  jobTitle,
  loadSnippet,
  parseFilters,
  repositoryOf,
  shortDigest,
  summary
} from '../src/format';
import type { IJob, IModelKitRow } from '../src/types';

const DIGEST = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

function row(reference: string, name = '', author = ''): IModelKitRow {
  return { reference, repository: repositoryOf(reference), tag: '', name, author, size: '1 KiB', digest: DIGEST, created: '' };
}

function job(kind: IJob['kind'], result: Record<string, unknown>): IJob {
  return { id: 'ab', kind, target: 't', state: 'succeeded', done: 1, total: 1, amount: '1 B / 1 B', result, error: null, started: 0, finished: 1 };
}

describe('references', () => {
  it('break only after / : and @, keeping every character', () => {
    const reference = '127.0.0.1:5000/team-a/churn-model:v1';
    const parts = breakableParts(reference);
    expect(parts).toEqual(['127.0.0.1:', '5000/', 'team-a/', 'churn-model:', 'v1']);
    expect(parts.join('')).toBe(reference);
  });

  it('give their repository, keeping a registry port', () => {
    expect(repositoryOf('127.0.0.1:5000/team/model:v1')).toBe('127.0.0.1:5000/team/model');
    expect(repositoryOf('127.0.0.1:5000/team/model')).toBe('127.0.0.1:5000/team/model');
    expect(repositoryOf(`team/model@${DIGEST}`)).toBe('team/model');
  });
});

describe('digests', () => {
  it('shorten a digest to 12 hex digits after its algorithm', () => {
    expect(shortDigest(DIGEST)).toBe('sha256:0123456789ab');
    expect(shortDigest('0123456789abcdef')).toBe('0123456789ab');
  });
});

describe('search', () => {
  const rows = [row('reg/team/churn:v1', 'churn', 'Ana'), row('reg/team/fraud:v2', 'fraud', 'Bo')];

  it('keeps rows that contain every word, in any field, ignoring case', () => {
    expect(filterRows(rows, 'CHURN').map(r => r.name)).toEqual(['churn']);
    expect(filterRows(rows, 'team bo').map(r => r.name)).toEqual(['fraud']);
    expect(filterRows(rows, 'team nothing')).toEqual([]);
    expect(filterRows(rows, '   ')).toBe(rows);
  });
});

describe('snippets and summaries', () => {
  it('load a named dataset, quoting the reference safely', () => {
    expect(loadSnippet('reg/a:v1', 'train')).toBe('from kitops_jupyter import load_dataset\n\ndf = load_dataset("reg/a:v1", "train")\n');
    expect(loadSnippet('reg/"x":v1', undefined)).toContain('load_dataset("reg/\\"x\\":v1")');
  });

  it('split unpack filters on any whitespace', () => {
    expect(parseFilters('  model   datasets:train ')).toEqual(['model', 'datasets:train']);
  });

  it('use the server\'s one push wording', () => {
    const pushed = job('push', { reference: 'reg/a:v1', detail: '3 blobs uploaded (1.0 KiB), 1 already in the registry' });
    expect(summary(pushed)).toBe('Pushed reg/a:v1 (3 blobs uploaded (1.0 KiB), 1 already in the registry)');
    expect(summary(job('unpack', { reference: 'reg/a:v1', folder: 'out' }))).toBe('Unpacked reg/a:v1 into /out');
    expect(summary(job('pack', { folder: '', references: ['a:v1', 'a:latest'] }))).toBe('Packed / as a:v1, a:latest');
    expect(jobTitle({ kind: 'pull', target: 'reg/a:v1' })).toBe('pull reg/a:v1');
  });
});
