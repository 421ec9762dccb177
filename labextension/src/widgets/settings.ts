import { KitModel } from '../model';
import type { IRegistrySettings, ISignatureSettings } from '../types';
import { button, checkbox, h, textInput } from './dom';

/**
 * Registry settings, the same ones the magics and the notebook panel use: per registry plain HTTP,
 * TLS verification, a CA bundle, and the login (stored where `kit login` stores it).
 */
export class SettingsView {
  readonly node = h('div', { className: 'kitops-settings' });
  private readonly newRegistry = textInput('kitops-new-registry', 'e.g. 192.168.1.20:5000', 'Registry to add');
  private readonly list = h('div', { className: 'kitops-registries' });
  private shown: IRegistrySettings[] | null = null;
  private readonly verifyKey = textInput('kitops-verify-key', 'Public key: cosign.pub path', 'Public key that signs ModelKits');
  private readonly require = checkbox(
    'kitops-require-signature',
    'Require signatures',
    'Pull and unpack refuse ModelKits not signed by this key'
  );
  private shownSignature: ISignatureSettings | null = null;

  constructor(private readonly model: KitModel) {
    const add = button('add-registry', 'Add', 'Add settings for this registry', () => {
      const registry = this.newRegistry.value.trim();
      if (!registry) {
        model.fail('Enter a registry first.', 'A registry is a host name with an optional port, e.g. ghcr.io or 192.168.1.20:5000.');
        return;
      }
      void model.saveRegistry({ registry, plainHttp: null, tlsVerify: true, caBundle: '' }).then(ok => {
        if (ok) {
          this.newRegistry.value = '';
        }
      });
    });
    this.node.append(
      h('p', {
        className: 'kitops-note',
        text: 'Used by the sidebar, the notebook panel and the %kit magics. Logins are stored where kit login stores them.'
      }),
      this.signatureCard(),
      h('div', { className: 'kitops-add-line' }, [this.newRegistry, add]),
      this.list
    );
    model.changed.connect(this.render, this);
  }

  /** The signer's public key (details show signatures by it) and whether pulls require one. */
  private signatureCard(): HTMLElement {
    const [requireLabel, require] = this.require;
    const save = button('save-signature-settings', 'Save', 'Save the signature settings', () => {
      void this.model.saveSignatureSettings({ requireSignature: require.checked, verifyKey: this.verifyKey.value.trim() });
    });
    return h('div', { className: 'kitops-registry kitops-signature-settings' }, [
      h('div', { className: 'kitops-registry-name', text: 'Signatures (cosign)' }),
      h('p', {
        className: 'kitops-note',
        text: 'A public key path relative to the file browser’s root; ModelKit details show whether they are signed by it.'
      }),
      this.verifyKey,
      requireLabel,
      h('div', { className: 'kitops-buttons' }, [save])
    ]);
  }

  /**
   * Rebuild the cards only when the registries were reloaded, and refill the signature fields only
   * when the saved values differ from those shown: a reload that answers after the user started
   * typing (the details also load these settings) must not wipe the typing.
   */
  render(): void {
    const saved = this.model.signatureSettings;
    const shown = this.shownSignature;
    if (!shown || shown.verifyKey !== saved.verifyKey || shown.requireSignature !== saved.requireSignature) {
      this.verifyKey.value = saved.verifyKey;
      this.require[1].checked = saved.requireSignature;
    }
    this.shownSignature = saved;
    if (this.shown === this.model.registries) {
      return;
    }
    this.shown = this.model.registries;
    const cards = this.model.registries.map(settings => this.card(settings));
    const empty = h('div', { className: 'kitops-empty', text: 'No registry settings or logins yet.' });
    this.list.replaceChildren(...(cards.length ? cards : [empty]));
  }

  private card(settings: IRegistrySettings): HTMLElement {
    const { model } = this;
    const mode = h('select', { className: 'jp-mod-styled kitops-plain-http' });
    mode.setAttribute('aria-label', `Protocol for ${settings.registry}`);
    mode.title = 'Auto: HTTPS, or plain HTTP for a registry on this machine (127.0.0.1, localhost)';
    for (const [value, label] of [
      ['auto', 'Auto'],
      ['https', 'HTTPS'],
      ['http', 'Plain HTTP']
    ]) {
      const option = h('option', { text: label });
      option.value = value;
      mode.append(option);
    }
    mode.value = settings.plainHttp === null ? 'auto' : settings.plainHttp ? 'http' : 'https';
    const [verifyLabel, verify] = checkbox('kitops-tls-verify', 'Verify TLS certificates', 'Turn off only for a test registry you trust');
    verify.checked = settings.tlsVerify;
    const ca = textInput('kitops-ca-bundle', 'CA bundle: PEM file path', `CA bundle for ${settings.registry}`);
    ca.value = settings.caBundle;
    const save = button('save-registry', 'Save', `Save the settings of ${settings.registry}`, () => {
      const plainHttp = mode.value === 'auto' ? null : mode.value === 'http';
      void model.saveRegistry({ registry: settings.registry, plainHttp, tlsVerify: verify.checked, caBundle: ca.value.trim() });
    });
    const forget = button('forget-registry', 'Forget', `Remove the settings of ${settings.registry}`, () => {
      void model.forgetRegistry(settings.registry);
    });
    const user = textInput('kitops-username', 'username', `Username for ${settings.registry}`);
    user.value = settings.username;
    const secret = textInput('kitops-password', 'password or token', `Password or token for ${settings.registry}`);
    secret.type = 'password';
    secret.autocomplete = 'off';
    const login = button('login', 'Log in', `Log in to ${settings.registry}`, () => {
      const password = secret.value;
      secret.value = ''; // never keep the secret in the page longer than the request
      void model.login(settings.registry, user.value.trim(), password);
    });
    const logout = button('logout', 'Log out', `Forget the login for ${settings.registry}`, () => void model.logout(settings.registry));
    const state = settings.loggedIn ? `Logged in as ${settings.username}` : 'Not logged in';
    return h('div', { className: 'kitops-registry', data: { registry: settings.registry, loggedIn: String(settings.loggedIn) } }, [
      h('div', { className: 'kitops-registry-name', text: settings.registry }),
      h('div', { className: 'kitops-login-state', text: state }),
      h('label', { className: 'kitops-field' }, [h('span', { text: 'Protocol' }), mode]),
      verifyLabel,
      ca,
      h('div', { className: 'kitops-buttons' }, [save, forget]),
      user,
      secret,
      h('div', { className: 'kitops-buttons' }, settings.loggedIn ? [login, logout] : [login])
    ]);
  }
}
