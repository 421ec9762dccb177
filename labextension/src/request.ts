import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** The REST namespace of the server extension: `<base_url>/kitops/`. */
export const NAMESPACE = 'kitops';

/** The JSON body of every error the server extension answers. */
export interface IErrorBody {
  message: string;
  error: string;
  hint: string;
  status: number;
  /** Only on errors that carry them; SecretsFound: the findings (redacted) and unscanned files. */
  details?: { findings?: string[]; unscanned?: string[] };
}

/** A non-OK answer from the server extension, carrying its `{message, error, hint, status}` body. */
export class KitResponseError extends ServerConnection.ResponseError {
  readonly body: IErrorBody;

  constructor(response: Response, body: IErrorBody) {
    super(response, body.message);
    this.name = 'KitResponseError';
    this.body = body;
  }

  get hint(): string {
    return this.body.hint;
  }
}

/**
 * The single way the frontend talks to the server: `GET|POST|DELETE <base_url>/kitops/<endpoint>`.
 *
 * @throws {ServerConnection.NetworkError} when the server cannot be reached.
 * @throws {KitResponseError} for any non-OK status, with the server's error body (or one made up
 *   from the status when the body is not ours, e.g. a 404 because the server part is missing).
 */
export async function requestAPI<T>(
  endpoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, NAMESPACE, endpoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }
  const data = parseBody(await response.text());
  if (!response.ok) {
    throw new KitResponseError(response, errorBody(data, response));
  }
  return data as T;
}

function parseBody(text: string): unknown {
  if (text.length === 0) {
    return null;
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function errorBody(data: unknown, response: Response): IErrorBody {
  const body = (typeof data === 'object' && data !== null ? data : {}) as Partial<IErrorBody>;
  return {
    message: body.message || `${response.status} ${response.statusText}`.trim(),
    error: body.error || 'HTTPError',
    hint: body.hint || '',
    status: response.status
  };
}

/** JSON request options for POST and DELETE. */
export function jsonInit(method: string, body?: unknown): RequestInit {
  return body === undefined ? { method } : { method, body: JSON.stringify(body) };
}
