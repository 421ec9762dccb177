import { jsonInit, requestAPI } from './request';
import type {
  IDiff,
  IJob,
  IModelKitDetail,
  IModelKitRow,
  IRegistrySettings,
  IRemoved,
  ISignature,
  ISignatureSettings,
  ITags,
  IVersion
} from './types';
import { FRONTEND_VERSION } from './version';

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

export function startPack(path: string, tag: string, allowSecrets = false): Promise<IJob> {
  return requestAPI<IJob>('pack', jsonInit('POST', { path, tag, allowSecrets }));
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

export function cancelJob(id: string): Promise<IJob> {
  return requestAPI<IJob>(`jobs/${encodeURIComponent(id)}`, jsonInit('DELETE'));
}

/** A string that changes whenever any process changes the local store's listing. */
export async function getFingerprint(): Promise<string> {
  return (await requestAPI<{ fingerprint: string }>('fingerprint')).fingerprint;
}

export function diffModelKits(first: string, second: string): Promise<IDiff> {
  return requestAPI<IDiff>(`diff?${query({ first, second })}`);
}

/**
 * Whether the stored content of ``reference`` (or with ``remote``, what it points to in its registry
 * now) carries a cosign signature by ``key`` (a file-browser path).
 */
export function getSignature(reference: string, key: string, remote = false): Promise<ISignature> {
  return requestAPI<ISignature>(`signature?${query({ reference, key, remote })}`);
}

export function getSignatureSettings(): Promise<ISignatureSettings> {
  return requestAPI<ISignatureSettings>('signature-settings');
}

export function saveSignatureSettings(settings: ISignatureSettings): Promise<ISignatureSettings> {
  return requestAPI<ISignatureSettings>('signature-settings', jsonInit('PUT', settings));
}

export async function listRegistries(): Promise<IRegistrySettings[]> {
  return (await requestAPI<{ registries: IRegistrySettings[] }>('registries')).registries;
}

export function saveRegistry(settings: Omit<IRegistrySettings, 'loggedIn' | 'username'>): Promise<IRegistrySettings> {
  return requestAPI<IRegistrySettings>('registries', jsonInit('PUT', settings));
}

export function forgetRegistry(registry: string): Promise<unknown> {
  return requestAPI<unknown>(`registries?${query({ registry })}`, jsonInit('DELETE'));
}

export function login(registry: string, username: string, password: string): Promise<{ message: string }> {
  return requestAPI<{ message: string }>('login', jsonInit('POST', { registry, username, password }));
}

export function logout(registry: string): Promise<{ message: string }> {
  return requestAPI<{ message: string }>(`login?${query({ registry })}`, jsonInit('DELETE'));
}

/** `GET /kitops/preview`: first rows of a dataset, or thumbnails of a media folder, via kit://. */
export interface IPreview {
  dataset: string;
  path: string;
  kind: 'table' | 'media';
  file?: string;
  columns?: string[];
  rows?: unknown[][];
  files?: { path: string; label: string; size: number; thumbnail: string }[];
}

export function getPreview(reference: string, dataset: string, rows = 10): Promise<IPreview> {
  return requestAPI<IPreview>(`preview?${query({ reference, dataset, rows: String(rows) })}`);
}
