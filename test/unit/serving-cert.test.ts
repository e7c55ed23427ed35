// When the kubelet serving certificate is renewed, and what the flags that set it accept.
import assert from 'node:assert/strict';
import forge from 'node-forge';
import { kubeletServing } from '../../src/provider/config.js';
import type { UsageError } from '../../src/errors.js';
import { renewalDelayMs } from '../../src/provider/kubelet/serving-cert-rotation.js';
import { createCertificateAuthority, issueCertificate } from '../../src/kube/pki.js';

describe('kubelet serving certificate renewal', () => {
  const ca = createCertificateAuthority('renewal-test-ca');
  const cert = issueCertificate(ca, { commonName: 'node', usage: 'server', validDays: 10 });
  const { notBefore } = forge.pki.certificateFromPem(cert.certPem).validity;
  const lifetimeMs =
    forge.pki.certificateFromPem(cert.certPem).validity.notAfter.getTime() - notBefore.getTime();

  it('is due after the given share of the lifetime, counted from the start', () => {
    const start = notBefore.getTime();
    assert.equal(renewalDelayMs(cert.certPem, 0.8, start), lifetimeMs * 0.8);
    assert.equal(renewalDelayMs(cert.certPem, 0.5, start + lifetimeMs * 0.25), lifetimeMs * 0.25);
  });

  it('is due at once when overdue', () => {
    assert.equal(renewalDelayMs(cert.certPem, 0.8, notBefore.getTime() + lifetimeMs), 0);
  });

  it('refuses a share outside (0, 1) and a lifetime under 10 minutes, in one line', () => {
    const base = { fromCluster: true, clientCaFile: '/dev/null' };
    // The command spells the option as its flag (command-errors.ts): --kubelet-cert-renew-at.
    const refusal = (option: string, message: RegExp) => (error: UsageError) =>
      message.test(error.message) && error.advice?.option === option;
    assert.throws(
      () => kubeletServing({ ...base, certRenewAt: '1.5' }),
      refusal('kubeletCertRenewAt', /^must be a fraction between 0 and 1, not "1.5"$/),
    );
    assert.throws(
      () => kubeletServing({ ...base, certRenewAt: 'soon' }),
      refusal('kubeletCertRenewAt', /must be a fraction/),
    );
    assert.throws(
      () => kubeletServing({ ...base, certValidity: '5m' }),
      refusal('kubeletCertValidity', /at least 10m/),
    );
    assert.equal(
      kubeletServing({ ...base, certValidity: '24h', certRenewAt: '0.7' })?.validitySeconds,
      86_400,
    );
  });
});
