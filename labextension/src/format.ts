/**
 * Pure text helpers of the sidebar (no DOM, no JupyterLab), unit-tested with jest.
 * Sizes are not formatted here: the server sends them as kit prints them (`sizeText`, a job's `amount`).
 */
import type { IJob, IModelKitRow, IReferrer, ISignature } from './types';

/** `sha256:0123456789ab` (12 hex digits); the full digest goes in the tooltip and the copy button. */
export function shortDigest(digest: string): string {
  const colon = digest.indexOf(':');
  return colon < 0 ? digest.slice(0, 12) : `${digest.slice(0, colon)}:${digest.slice(colon + 1, colon + 13)}`;
}

/**
 * A reference cut after each `/`, `:` and `@`, so it wraps only between its parts:
 * `127.0.0.1:5000/team/model:v1` → `127.0.0.1:`, `5000/`, `team/`, `model:`, `v1`.
 */
export function breakableParts(reference: string): string[] {
  return reference.split(/(?<=[/:@])/).filter(part => part.length > 0);
}

/** `registry/repo:tag@digest` → `registry/repo` (a port's colon before the last `/` stays). */
export function repositoryOf(reference: string): string {
  const bare = reference.split('@')[0];
  const slash = bare.lastIndexOf('/');
  const colon = bare.lastIndexOf(':');
  return colon > slash ? bare.slice(0, colon) : bare;
}

/** `"model  datasets:train"` → `["model", "datasets:train"]` (kit's --filter values, space separated). */
export function parseFilters(text: string): string[] {
  return text.split(/\s+/).filter(part => part.length > 0);
}

/** Rows whose reference, name, author or digest contains every word of `query` (case-insensitive). */
export function filterRows(rows: IModelKitRow[], query: string): IModelKitRow[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) {
    return rows;
  }
  return rows.filter(row => {
    const text = [row.reference, row.name, row.author, row.digest].join(' ').toLowerCase();
    return words.every(word => text.includes(word));
  });
}

/** The Python that loads a dataset of a ModelKit into a DataFrame. */
export function loadSnippet(reference: string, dataset: string | undefined): string {
  const args = dataset ? `${JSON.stringify(reference)}, ${JSON.stringify(dataset)}` : JSON.stringify(reference);
  return `from kitops_jupyter import load_dataset\n\ndf = load_dataset(${args})\n`;
}

/** A finished job in one line; push uses the same words as the panel and the magic. */
export function summary(job: IJob): string {
  const result = job.result ?? {};
  switch (job.kind) {
    case 'pack':
      return `Packed ${String(result.folder || '/')} as ${(result.references as string[] | undefined)?.join(', ') || String(result.digest)}`;
    case 'push':
      return `Pushed ${String(result.reference)} (${String(result.detail)})`;
    case 'pull':
      return `Pulled ${String(result.reference)}`;
    case 'unpack':
      return `Unpacked ${String(result.reference)} into /${String(result.folder || '')}`;
  }
  return `${job.kind} ${job.target} finished`;
}

/** What a cancelled or running job is called in messages: `pull 127.0.0.1:5000/a:v1`. */
export function jobTitle(job: Pick<IJob, 'kind' | 'target'>): string {
  return `${job.kind} ${job.target}`;
}

/** `cosign tag sha256-<64 hex>.sig` → `cosign tag sha256-<12 hex>….sig` (the whole text goes in the tooltip). */
export function shortTagDigests(text: string): string {
  return text.replace(/\b(sha256-[0-9a-f]{12})[0-9a-f]{52}\b/g, '$1…');
}

/** cosign's signature artifact type: the signatures `GET /kitops/signature` checks (with the `.sig` tag's). */
export const COSIGN_SIGNATURE = 'application/vnd.dev.cosign.artifact.sig.v1+json';

const KIND_ORDER = ['signature', 'attestation', 'sbom', 'artifact'];

/** How a referrer's signature check reads: only cosign signatures are checked, with the settings' key. */
export type ReferrerCheck = 'verified' | 'not-verified' | 'no-key' | 'checking' | 'not-checked' | '';

/** One row of the details' referrers list. */
export interface IReferrerLine {
  kind: string;
  /** The artifact type, else the manifest's media type. */
  type: string;
  digest: string;
  foundBy: string;
  check: ReferrerCheck;
  checkText: string;
}

function isCosignSignature(referrer: IReferrer): boolean {
  return (
    referrer.kind === 'signature' &&
    (referrer.artifactType === COSIGN_SIGNATURE || (referrer.foundBy.startsWith('cosign tag') && referrer.foundBy.endsWith('.sig')))
  );
}

/**
 * The referrers of a remote ModelKit as rows, signatures first, then attestations, SBOMs and other
 * artifacts (the registry's order within each kind). A cosign signature row carries the result of
 * the ModelKit's signature check with the public key `key` of the settings (`signature`: null while
 * it runs); other signatures (Notary, sigstore bundles) are listed but not checked here.
 */
export function referrerLines(referrers: IReferrer[], key: string, signature: ISignature | null): IReferrerLine[] {
  const rank = (kind: string): number => (KIND_ORDER.includes(kind) ? KIND_ORDER.indexOf(kind) : KIND_ORDER.length);
  const ordered = referrers.map((referrer, index) => ({ referrer, index }));
  ordered.sort((a, b) => rank(a.referrer.kind) - rank(b.referrer.kind) || a.index - b.index);
  return ordered.map(({ referrer }) => {
    const [check, checkText] = signatureCheck(referrer, key, signature);
    return {
      kind: referrer.kind,
      type: referrer.artifactType || referrer.mediaType,
      digest: referrer.digest,
      foundBy: referrer.foundBy,
      check,
      checkText
    };
  });
}

function signatureCheck(referrer: IReferrer, key: string, signature: ISignature | null): [ReferrerCheck, string] {
  if (referrer.kind !== 'signature') {
    return ['', ''];
  }
  if (!isCosignSignature(referrer)) {
    return ['not-checked', 'Not checked: only cosign signatures are verified here'];
  }
  if (!key) {
    return ['no-key', 'Set a public key under ⚙ Registries to verify it'];
  }
  if (!signature) {
    return ['checking', 'Checking…'];
  }
  return signature.signed ? ['verified', `Verifies with ${key}`] : ['not-verified', `Does not verify with ${key}`];
}
