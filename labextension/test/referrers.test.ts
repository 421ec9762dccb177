import { COSIGN_SIGNATURE, referrerLines, shortTagDigests } from '../src/format';
import type { IReferrer, ISignature } from '../src/types';

const SUBJECT = 'sha256:' + '0'.repeat(64);

function referrer(n: number, kind: IReferrer['kind'], artifactType: string, foundBy = 'referrers API'): IReferrer {
  const digest = 'sha256:' + String(n).repeat(64);
  return { digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType, size: 500, kind, foundBy, annotations: {} };
}

const sbom = referrer(1, 'sbom', 'application/spdx+json', 'referrers tag');
const apiSignature = referrer(2, 'signature', COSIGN_SIGNATURE);
const tagSignature = referrer(3, 'signature', 'application/vnd.oci.image.config.v1+json', 'cosign tag sha256-00.sig');
const notary = referrer(4, 'signature', 'application/vnd.cncf.notary.signature');
const attestation = referrer(5, 'attestation', 'application/vnd.oci.image.config.v1+json', 'cosign tag sha256-00.att');
const other = referrer(6, 'artifact', '');
const all = [other, sbom, apiSignature, attestation, tagSignature, notary];

const signed: ISignature = { reference: 'reg/a:v1', signed: true, message: 'Verified', digest: SUBJECT, key: 'ab12' };
const unsigned: ISignature = { reference: 'reg/a:v1', signed: false, message: 'not signed' };

describe('referrer rows', () => {
  it('list signatures, attestations, SBOMs, then other artifacts, in the registry order within a kind', () => {
    const lines = referrerLines(all, '', null);
    expect(lines.map(l => l.digest)).toEqual([apiSignature, tagSignature, notary, attestation, sbom, other].map(r => r.digest));
    expect(lines.map(l => l.kind)).toEqual(['signature', 'signature', 'signature', 'attestation', 'sbom', 'artifact']);
  });

  it('show the artifact type, else the media type, and where each was found', () => {
    const [line] = referrerLines([other], '', null);
    expect(line.type).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(referrerLines([sbom], '', null)[0]).toMatchObject({ type: 'application/spdx+json', foundBy: 'referrers tag' });
  });

  it('give cosign signatures (referrers form or .sig tag) the signature check, and nothing else', () => {
    const checks = (key: string, signature: ISignature | null): Record<string, string> =>
      Object.fromEntries(referrerLines(all, key, signature).map(l => [l.digest, `${l.check}|${l.checkText}`]));
    const verified = checks('keys/cosign.pub', signed);
    expect(verified[apiSignature.digest]).toBe('verified|Verifies with keys/cosign.pub');
    expect(verified[tagSignature.digest]).toBe('verified|Verifies with keys/cosign.pub');
    expect(verified[notary.digest]).toBe('not-checked|Not checked: only cosign signatures are verified here');
    expect(verified[sbom.digest]).toBe('|');
    expect(verified[attestation.digest]).toBe('|');
    expect(checks('keys/cosign.pub', unsigned)[apiSignature.digest]).toBe('not-verified|Does not verify with keys/cosign.pub');
    expect(checks('keys/cosign.pub', null)[tagSignature.digest]).toBe('checking|Checking…');
    expect(checks('', null)[apiSignature.digest]).toMatch(/^no-key\|Set a public key under ⚙ Registries/);
  });

  it('keep an empty list empty', () => {
    expect(referrerLines([], 'k', signed)).toEqual([]);
  });
});

describe('where a referrer was found', () => {
  it('shortens the digest in a cosign tag, and only there', () => {
    const hex = '3999086f7a6f62f7f21325bd4b82df8efc2b40433f9ae33a87ef2b2cdfe91506';
    expect(shortTagDigests(`cosign tag sha256-${hex}.sig`)).toBe('cosign tag sha256-3999086f7a6f….sig');
    expect(shortTagDigests('referrers API')).toBe('referrers API');
    expect(shortTagDigests(`sha256-${hex}x`)).toBe(`sha256-${hex}x`);
  });
});
