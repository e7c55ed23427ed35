// When the runtime's node certificate is renewed, whom it names, and what an apiserver refusal
// says: the pieces `upgrade`, `doctor` and every command's error line rest on.
import assert from 'node:assert/strict';
import { nodeCertificateInfo, renewalDue } from '../../src/addon/node-credentials.js';
import { kubeApiMessage } from '../../src/kube/api-error.js';
import { createCertificateAuthority, issueCertificate } from '../../src/kube/pki.js';

const DAY = 24 * 3600 * 1000;

describe('node credentials', () => {
  it('reads whom a node certificate names, and nothing from another certificate', () => {
    const ca = createCertificateAuthority('test-ca', 2);
    const node = issueCertificate(ca, {
      commonName: 'system:node:vk-1',
      organization: 'system:nodes',
      usage: 'client',
      validDays: 1,
    });
    assert.equal(nodeCertificateInfo(node.certPem)?.nodeName, 'vk-1');
    const other = issueCertificate(ca, { commonName: 'admin', usage: 'client', validDays: 1 });
    assert.equal(nodeCertificateInfo(other.certPem), undefined);
    assert.equal(nodeCertificateInfo('not a certificate'), undefined);
  });

  it('is due 30 days before the end of a year-long certificate, and at a fifth of a short one’s life', () => {
    const start = Date.UTC(2026, 0, 1);
    const year = { nodeName: 'n', notBefore: new Date(start), notAfter: new Date(start + 365 * DAY) };
    assert.equal(renewalDue(year, start + 300 * DAY), false);
    assert.equal(renewalDue(year, start + 340 * DAY), true);
    const short = { nodeName: 'n', notBefore: new Date(start), notAfter: new Date(start + 2 * DAY) };
    assert.equal(renewalDue(short, start + 1 * DAY), false, 'half its life left');
    assert.equal(renewalDue(short, start + 1.7 * DAY), true, 'less than a fifth left');
  });

  it('says what the apiserver said, not "HTTP-Code: 403"', () => {
    const status = { kind: 'Status', message: 'secrets "x" is forbidden: User "u" cannot get resource' };
    assert.equal(
      kubeApiMessage({ code: 403, body: JSON.stringify(status) }),
      'Kubernetes API (403): secrets "x" is forbidden: User "u" cannot get resource',
    );
    assert.equal(kubeApiMessage({ code: 502, body: '<html>' }), 'Kubernetes API answered 502');
    assert.equal(kubeApiMessage(new Error('plain')), undefined);
  });
});
