import { IErrorBody, jsonInit, requestAPI } from './request';
import { FRONTEND_VERSION } from './version';

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
  path: string;
}

export interface IPackage {
  name: string;
  version: string;
  description: string;
  license: string;
  authors: string[];
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
}

export interface ITags {
  repository: string;
  tags: IModelKitRow[];
}

export type JobState = 'running' | 'succeeded' | 'failed';
export type JobKind = 'pack' | 'push' | 'pull' | 'unpack';

/** A background operation's snapshot (`GET /kitops/jobs/{id}`). */
export interface IJob {
  id: string;
  kind: JobKind;
  target: string;
  state: JobState;
  done: number;
  total: number;
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

function query(params: Record<string, string | boolean>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    search.set(key, String(value));
  }
  return search.toString();
}

export function getVersion(): Promise<IVersion> {
  return requestAPI<IVersion>(`version?${query({ frontend: FRONTEND_VERSION })}`);
}

export async function listModelKits(): Promise<IModelKitRow[]> {
  return (await requestAPI<{ modelkits: IModelKitRow[] }>('modelkits')).modelkits;
}

export function getModelKit(reference: string, remote = false): Promise<IModelKitDetail> {
  return requestAPI<IModelKitDetail>(`modelkit?${query({ reference, remote })}`);
}

export function removeModelKit(reference: string): Promise<IRemoved> {
  return requestAPI<IRemoved>(`modelkit?${query({ reference })}`, jsonInit('DELETE'));
}

export function listTags(repository: string): Promise<ITags> {
  return requestAPI<ITags>(`tags?${query({ repository })}`);
}

export function startPack(path: string, tag: string): Promise<IJob> {
  return requestAPI<IJob>('pack', jsonInit('POST', { path, tag }));
}

export function startPush(source: string, destination: string): Promise<IJob> {
  return requestAPI<IJob>('push', jsonInit('POST', { source, destination }));
}

export function startPull(reference: string): Promise<IJob> {
  return requestAPI<IJob>('pull', jsonInit('POST', { reference }));
}

export function startUnpack(reference: string, path: string, filters: string[], overwrite: boolean): Promise<IJob> {
  return requestAPI<IJob>('unpack', jsonInit('POST', { reference, path, filters, overwrite }));
}

export function getJob(id: string): Promise<IJob> {
  return requestAPI<IJob>(`jobs/${encodeURIComponent(id)}`);
}
