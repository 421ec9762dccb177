/** JSON shapes of the server extension's REST API (server/openapi.yaml). */
import type { IErrorBody } from './request';

/** One local tag (or an untagged ModelKit), as listed by `GET /kitops/modelkits`. */
export interface IModelKitRow {
  reference: string;
  repository: string;
  tag: string;
  name: string;
  author: string;
  size: string;
  digest: string;
  created: string;
}

export interface ILayer {
  kind: string;
  mediaType: string;
  digest: string;
  size: number;
  /** The size as kit prints it (`1.9 MiB`); the server formats every size the sidebar shows. */
  sizeText: string;
  path: string;
}

export interface IPackage {
  name: string;
  version: string;
  description: string;
  license: string;
  authors: string[];
}

/** One manifest that refers to a ModelKit in its registry (a signature, attestation, SBOM, …). */
export interface IReferrer {
  digest: string;
  mediaType: string;
  artifactType: string;
  size: number;
  kind: 'signature' | 'attestation' | 'sbom' | 'artifact';
  /** `referrers API`, `referrers tag` or `cosign tag sha256-….sig` */
  foundBy: string;
  annotations: Record<string, string>;
}

/** What refers to a remote ModelKit, and whether the registry answered the OCI 1.1 referrers API. */
export interface IReferrers {
  subject: string;
  referrersApi: boolean;
  referrers: IReferrer[];
}

/** `GET /kitops/modelkit?reference=`: one ModelKit's Kitfile and layers. */
export interface IModelKitDetail {
  reference: string;
  canonical: string;
  digest: string;
  created: string;
  cliVersion: string;
  package: IPackage;
  kitfile: string;
  layers: ILayer[];
  size: number;
  sizeText: string;
  datasets: string[];
  readme: string;
  /** With `remote=true` only: what refers to it in its registry (null for a local ModelKit). */
  referrers?: IReferrers | null;
}

export interface ITags {
  repository: string;
  tags: IModelKitRow[];
}

export type JobState = 'running' | 'succeeded' | 'failed' | 'cancelled';
export type JobKind = 'pack' | 'push' | 'pull' | 'unpack';

/** A background operation's snapshot (`GET /kitops/jobs/{id}`). */
export interface IJob {
  id: string;
  kind: JobKind;
  target: string;
  state: JobState;
  done: number;
  total: number;
  /** `done / total` as kit prints sizes (`1.5 KiB / 3.0 KiB`), `''` until the total is known. */
  amount: string;
  result: Record<string, unknown> | null;
  error: IErrorBody | null;
  started: number;
  finished: number | null;
}

export interface IVersion {
  server: string;
  frontend: string;
  compatible: boolean;
}

export interface IRemoved {
  removed: { repository: string; digest: string; untagged: string[]; deleted: boolean; freed: number }[];
}

/** A layer in a comparison of two ModelKits. */
export interface IDiffLayer {
  kind: string;
  path: string;
  size: number;
  sizeText: string;
  digest: string;
  other: string;
  change: 'added' | 'removed' | 'changed' | 'same';
}

export interface IDiff {
  first: string;
  second: string;
  identical: boolean;
  layers: IDiffLayer[];
}

/** One registry's options and login state (`GET /kitops/registries`). */
export interface IRegistrySettings {
  registry: string;
  plainHttp: boolean | null;
  tlsVerify: boolean;
  caBundle: string;
  loggedIn: boolean;
  username: string;
}

/** A SLSA v0.2 provenance predicate, as far as the sidebar shows it. */
export interface IProvenance {
  builder?: { id?: string };
  buildType?: string;
  invocation?: { configSource?: { uri?: string } };
  metadata?: { buildFinishedOn?: string };
  materials?: { uri?: string; digest?: Record<string, string> }[];
}

/** `GET /kitops/signature`: signed by the key (with verified provenance) or not, and why. */
export interface ISignature {
  reference: string;
  signed: boolean;
  message: string;
  digest?: string;
  key?: string;
  signedAs?: string;
  provenance?: IProvenance[];
}

/** `GET|PUT /kitops/signature-settings`: the policy pull and unpack jobs honour. */
export interface ISignatureSettings {
  requireSignature: boolean;
  /** The signer's public key (cosign.pub), relative to the file browser's root. */
  verifyKey: string;
}
