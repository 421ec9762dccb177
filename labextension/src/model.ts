import { ServerConnection } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

import * as api from './api';
import { KitResponseError } from './request';
import { FRONTEND_VERSION } from './version';

/** A line shown at the top of the sidebar: an error (with its hint) or a success. */
export interface IMessage {
  kind: 'error' | 'info';
  text: string;
  hint: string;
}

const POLL_MS = 250;
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
 * The sidebar's state: local ModelKits, the selected detail, remote tags, running jobs and the
 * last message. All server calls go through `api` (and so the one `requestAPI`); every change
 * emits `changed`. Actions never throw: failures become the error message (and are returned).
 */
export class KitModel {
  modelkits: api.IModelKitRow[] = [];
  detail: api.IModelKitDetail | null = null;
  tags: api.ITags | null = null;
  jobs: api.IJob[] = [];
  message: IMessage | null = null;
  serverProblem: IMessage | null = null;
  loading = false;

  get changed(): ISignal<KitModel, void> {
    return this._changed;
  }

  async checkServer(): Promise<boolean> {
    try {
      const version = await api.getVersion();
      this.serverProblem = version.compatible ? null : versionMismatchMessage(version.server);
    } catch (error) {
      this.serverProblem =
        error instanceof KitResponseError && error.response.status === 404
          ? serverMissingMessage()
          : describe(error);
    }
    this.emit();
    return this.serverProblem === null;
  }

  async refresh(): Promise<void> {
    this.loading = true;
    this.emit();
    await this.attempt(async () => {
      this.modelkits = await api.listModelKits();
    });
    this.loading = false;
    this.emit();
  }

  async select(reference: string, remote = false): Promise<api.IModelKitDetail | null> {
    return this.attempt(async () => {
      this.detail = await api.getModelKit(reference, remote);
      return this.detail;
    });
  }

  async showTags(repository: string): Promise<api.ITags | null> {
    this.message = null;
    return this.attempt(async () => {
      this.tags = await api.listTags(repository);
      this.inform(`${this.tags.tags.length} tag(s) in ${repository}`);
      return this.tags;
    });
  }

  async remove(reference: string): Promise<api.IRemoved | null> {
    this.message = null;
    const done = await this.attempt(() => api.removeModelKit(reference));
    if (done) {
      if (this.detail?.reference === reference) {
        this.detail = null;
      }
      this.inform(`Removed ${reference}`);
      await this.refresh();
    }
    return done;
  }

  pack(path: string, tag: string): Promise<api.IJob | null> {
    return this.runJob(() => api.startPack(path, tag));
  }

  push(source: string, destination: string): Promise<api.IJob | null> {
    return this.runJob(() => api.startPush(source, destination));
  }

  pull(reference: string): Promise<api.IJob | null> {
    return this.runJob(() => api.startPull(reference));
  }

  unpack(reference: string, path: string, filters: string[], overwrite = false): Promise<api.IJob | null> {
    return this.runJob(() => api.startUnpack(reference, path, filters, overwrite));
  }

  /** Start a job, poll it to the end (updating `jobs`), then refresh the list. */
  private async runJob(start: () => Promise<api.IJob>): Promise<api.IJob | null> {
    this.message = null;
    let job = await this.attempt(start);
    while (job && job.state === 'running') {
      this.track(job);
      await sleep(POLL_MS);
      job = await this.attempt(() => api.getJob(job!.id));
    }
    if (job) {
      this.track(job);
      this.message = job.error ? fromBody(job.error) : { kind: 'info', text: summary(job), hint: '' };
      await this.refresh();
    }
    return job;
  }

  private track(job: api.IJob): void {
    this.jobs = [job, ...this.jobs.filter(each => each.id !== job.id)].slice(0, KEEP_JOBS);
    this.emit();
  }

  /** Show an error that did not come from the server (e.g. an empty field). */
  fail(text: string, hint = ''): void {
    this.message = { kind: 'error', text, hint };
    this.emit();
  }

  private inform(text: string): void {
    this.message = { kind: 'info', text, hint: '' };
    this.emit();
  }

  private async attempt<T>(call: () => Promise<T>): Promise<T | null> {
    try {
      return await call();
    } catch (error) {
      this.message = describe(error);
      this.emit();
      return null;
    } finally {
      this.emit();
    }
  }

  private emit(): void {
    this._changed.emit();
  }

  private _changed = new Signal<KitModel, void>(this);
}

function fromBody(body: { message: string; hint: string }): IMessage {
  return { kind: 'error', text: body.message, hint: body.hint };
}

/** An error as a sidebar message: the server's body for our errors, a plain line otherwise. */
export function describe(error: unknown): IMessage {
  if (error instanceof KitResponseError) {
    return fromBody(error.body);
  }
  if (error instanceof ServerConnection.NetworkError) {
    return { kind: 'error', text: 'The Jupyter server cannot be reached.', hint: 'Check that it is running.' };
  }
  return { kind: 'error', text: String(error), hint: '' };
}

/** A finished job in one line (`Pushed … (3 blobs uploaded, 1 skipped)`). */
export function summary(job: api.IJob): string {
  const result = job.result ?? {};
  switch (job.kind) {
    case 'pack':
      return `Packed ${String(result.folder || '/')} as ${(result.references as string[] | undefined)?.join(', ') || String(result.digest)}`;
    case 'push':
      return `Pushed ${String(result.reference)} (${String(result.uploaded)} blob(s) uploaded, ${String(result.skipped)} already there)`;
    case 'pull':
      return `Pulled ${String(result.reference)}`;
    case 'unpack':
      return `Unpacked ${String(result.reference)} into ${String(result.folder || '/')}`;
  }
  return `${job.kind} ${job.target} finished`;
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}
