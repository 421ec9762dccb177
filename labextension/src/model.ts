import { ServerConnection } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

import * as api from './api';
import { jobTitle, summary } from './format';
import { KitResponseError } from './request';
import type {
  IDiff,
  IJob,
  IModelKitDetail,
  IModelKitRow,
  IRegistrySettings,
  IRemoved,
  ISignature,
  ISignatureSettings,
  ITags
} from './types';
import { FRONTEND_VERSION } from './version';

/** An error or success line with what to do next (shown as a JupyterLab notification). */
export interface IMessage {
  kind: 'error' | 'info';
  text: string;
  hint: string;
}

/**
 * Where results and errors go: JupyterLab's notifications in the app (see index.ts), a recorder in
 * unit tests. Nothing is shown inside the sidebar, so its layout never moves under the pointer.
 */
export interface INotifier {
  success(text: string): void;
  error(text: string, hint: string): void;
  info(text: string): void;
}

const POLL_MS = 250;
const WATCH_MS = 1500;
const KEEP_JOBS = 8;

/** Where the server part is missing or of another version, in the words jupyterlab-git uses. */
export function serverMissingMessage(): IMessage {
  return {
    kind: 'error',
    text: 'The kitops-jupyter server extension appears to be missing or disabled.',
    hint:
      'Install it with `pip install kitops-jupyter` in the environment that runs JupyterLab, restart ' +
      'JupyterLab, and check that `jupyter server extension list` shows kitops_jupyter.server enabled.'
  };
}

export function versionMismatchMessage(server: string): IMessage {
  return {
    kind: 'error',
    text: `The kitops-jupyter frontend (${FRONTEND_VERSION}) and server extension (${server}) differ.`,
    hint: 'Run `pip install --upgrade kitops-jupyter` in the environment that runs JupyterLab, restart JupyterLab and reload this page.'
  };
}

/**
 * The sidebar's state: local ModelKits, the selected detail, remote tags, a comparison, registry
 * settings and running jobs. All server calls go through `api` (and so the one `requestAPI`);
 * every change emits `changed`. Actions never throw: results and failures go to the notifier.
 */
export class KitModel {
  modelkits: IModelKitRow[] = [];
  detail: IModelKitDetail | null = null;
  /** The detail was read from the registry (remote tags' Details), not from the local store. */
  detailIsRemote = false;
  tags: ITags | null = null;
  diff: IDiff | null = null;
  registries: IRegistrySettings[] = [];
  signatureSettings: ISignatureSettings = { requireSignature: false, verifyKey: '' };
  /** The selected ModelKit's signature by the settings' key (null: not checked, or no key set). */
  signature: ISignature | null = null;
  jobs: IJob[] = [];
  serverProblem: IMessage | null = null;
  loading = false;
  fingerprint = '';

  constructor(readonly notifier: INotifier) {}

  get changed(): ISignal<KitModel, void> {
    return this._changed;
  }

  async checkServer(): Promise<boolean> {
    try {
      const version = await api.getVersion();
      this.serverProblem = version.compatible ? null : versionMismatchMessage(version.server);
    } catch (error) {
      this.serverProblem =
        error instanceof KitResponseError && error.response.status === 404 ? serverMissingMessage() : describe(error);
    }
    this.emit();
    return this.serverProblem === null;
  }

  async refresh(): Promise<void> {
    this.loading = true;
    this.emit();
    await this.attempt(async () => {
      this.fingerprint = await api.getFingerprint();
      this.modelkits = await api.listModelKits();
      const gone = !this.modelkits.some(row => row.reference === this.detail?.reference);
      if (this.detail && !this.detailIsRemote && gone) {
        this.detail = null; // removed by someone else: do not show a ModelKit that is gone
      }
    });
    this.loading = false;
    this.emit();
  }

  /** Poll the store's fingerprint while `active()` holds; reload the list when it changes. */
  watch(active: () => boolean): void {
    if (this._watching) {
      return;
    }
    this._watching = true;
    const tick = async (): Promise<void> => {
      if (!active()) {
        this._watching = false;
        return;
      }
      try {
        const now = await api.getFingerprint();
        if (now !== this.fingerprint) {
          await this.refresh();
        }
      } catch {
        // the server is restarting or gone: try again at the next tick, quietly
      }
      setTimeout(() => void tick(), WATCH_MS);
    };
    void tick();
  }

  /** Show a ModelKit's detail: from the local store, or (``remote``) from its registry with its referrers. */
  async select(reference: string, remote = false): Promise<IModelKitDetail | null> {
    const found = await this.attempt(() => api.getModelKit(reference, remote));
    if (found) {
      this.detail = found;
      this.detailIsRemote = remote;
      this.diff = null;
      this.signature = null;
      this.emit();
      await this.checkSignature(found.reference, remote);
    }
    return found;
  }

  /**
   * Check the selected ModelKit's signature with the public key of the settings (if one is set):
   * the stored content's, or with ``remote`` what the reference points to in the registry now.
   */
  async checkSignature(reference: string, remote = false): Promise<ISignature | null> {
    const key = (await this.loadSignatureSettings()).verifyKey; // another tab may have changed it
    if (!key) {
      return null;
    }
    const found = await this.attempt(() => api.getSignature(reference, key, remote));
    if (found && this.detail?.reference === reference && this.detailIsRemote === remote) {
      this.signature = found;
      this.emit();
    }
    return found;
  }

  async loadSignatureSettings(): Promise<ISignatureSettings> {
    const found = await this.attempt(() => api.getSignatureSettings());
    if (found) {
      this.signatureSettings = found;
      this.emit();
    }
    return this.signatureSettings;
  }

  async saveSignatureSettings(settings: ISignatureSettings): Promise<boolean> {
    const saved = await this.attempt(() => api.saveSignatureSettings(settings));
    if (saved) {
      this.signatureSettings = saved;
      this.notifier.success(
        saved.requireSignature
          ? `Pull and unpack now require a signature by ${saved.verifyKey}`
          : 'Saved the signature settings'
      );
    }
    return saved !== null;
  }

  clearSelection(): void {
    this.detail = null;
    this.detailIsRemote = false;
    this.diff = null;
    this.signature = null;
    this.emit();
  }

  async showTags(repository: string): Promise<ITags | null> {
    this.tags = null;
    this.emit();
    const found = await this.attempt(() => api.listTags(repository));
    if (found) {
      this.tags = found;
      this.emit();
    }
    return found;
  }

  /** Forget remote tags that belong to another repository than the one now in the form. */
  keepTagsOf(repository: string): void {
    if (this.tags && this.tags.repository !== repository) {
      this.tags = null;
      this.emit();
    }
  }

  async compare(first: string, second: string): Promise<IDiff | null> {
    const found = await this.attempt(() => api.diffModelKits(first, second));
    if (found) {
      this.diff = found;
      this.emit();
    }
    return found;
  }

  async remove(reference: string): Promise<IRemoved | null> {
    const done = await this.attempt(() => api.removeModelKit(reference));
    if (done) {
      if (this.detail?.reference === reference) {
        this.detail = null;
      }
      this.notifier.success(`Removed ${reference} from the local store`);
      await this.refresh();
    }
    return done;
  }

  /** Pack a folder; ``allowSecrets`` packs even when the secret scan finds something (Pack anyway). */
  pack(path: string, tag: string, allowSecrets = false): Promise<IJob | null> {
    return this.runJob(() => api.startPack(path, tag, allowSecrets));
  }

  push(source: string, destination: string): Promise<IJob | null> {
    return this.runJob(() => api.startPush(source, destination));
  }

  pull(reference: string): Promise<IJob | null> {
    return this.runJob(() => api.startPull(reference));
  }

  unpack(reference: string, path: string, filters: string[], overwrite = false): Promise<IJob | null> {
    return this.runJob(() => api.startUnpack(reference, path, filters, overwrite));
  }

  /** Stop a running job; the server answers at once and the job shows as cancelled. */
  async cancel(id: string): Promise<void> {
    const job = await this.attempt(() => api.cancelJob(id));
    if (job) {
      this.track(job);
    }
  }

  async loadRegistries(): Promise<IRegistrySettings[]> {
    const found = await this.attempt(() => api.listRegistries());
    if (found) {
      this.registries = found;
      this.emit();
    }
    return this.registries;
  }

  async saveRegistry(settings: Omit<IRegistrySettings, 'loggedIn' | 'username'>): Promise<boolean> {
    const saved = await this.attempt(() => api.saveRegistry(settings));
    if (saved) {
      this.notifier.success(`Saved the settings of ${saved.registry}`);
      await this.loadRegistries();
    }
    return saved !== null;
  }

  async forgetRegistry(registry: string): Promise<void> {
    if ((await this.attempt(() => api.forgetRegistry(registry))) !== null) {
      this.notifier.success(`Forgot the settings of ${registry}`);
      await this.loadRegistries();
    }
  }

  async login(registry: string, username: string, password: string): Promise<boolean> {
    const done = await this.attempt(() => api.login(registry, username, password));
    if (done) {
      this.notifier.success(done.message);
      await this.loadRegistries();
    }
    return done !== null;
  }

  async logout(registry: string): Promise<void> {
    const done = await this.attempt(() => api.logout(registry));
    if (done) {
      this.notifier.success(done.message);
      await this.loadRegistries();
    }
  }

  /** Show an error that did not come from the server (e.g. an empty field). */
  fail(text: string, hint = ''): void {
    this.notifier.error(text, hint);
  }

  /** Start a job, poll it to the end (updating `jobs`), tell how it ended, then reload the list. */
  private async runJob(start: () => Promise<IJob>): Promise<IJob | null> {
    let job = await this.attempt(start);
    while (job && job.state === 'running') {
      this.track(job);
      await sleep(POLL_MS);
      const current: IJob = job;
      const known = this.jobs.find(each => each.id === current.id);
      if (known && known.state === 'cancelled') {
        job = known;
        break;
      }
      job = await this.attempt(() => api.getJob(current.id));
    }
    if (job) {
      this.track(job);
      if (job.state === 'cancelled') {
        this.notifier.info(`Cancelled ${jobTitle(job)}`);
      } else if (job.error) {
        this.notifier.error(job.error.message, job.error.hint);
      } else {
        this.notifier.success(summary(job));
      }
      await this.refresh();
    }
    return job;
  }

  private track(job: IJob): void {
    this.jobs = [job, ...this.jobs.filter(each => each.id !== job.id)].slice(0, KEEP_JOBS);
    this.emit();
  }

  private async attempt<T>(call: () => Promise<T>): Promise<T | null> {
    try {
      return await call();
    } catch (error) {
      const message = describe(error);
      this.notifier.error(message.text, message.hint);
      return null;
    } finally {
      this.emit();
    }
  }

  private emit(): void {
    this._changed.emit();
  }

  private _watching = false;
  private _changed = new Signal<KitModel, void>(this);
}

/** An error as a message: the server's body for our errors, a plain line otherwise. */
export function describe(error: unknown): IMessage {
  if (error instanceof KitResponseError) {
    return { kind: 'error', text: error.body.message, hint: error.body.hint };
  }
  if (error instanceof ServerConnection.NetworkError) {
    return { kind: 'error', text: 'The Jupyter server cannot be reached.', hint: 'Check that it is running.' };
  }
  return { kind: 'error', text: String(error), hint: '' };
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}
