// The approver's checks on a kubelet-serving CSR (src/provider/kubelet/serving-approver.ts), with
// CSRs made by node-forge: what the runtime asks for is approved, and each way of asking for more
// than the node is refused with the check that failed; other nodes' and signers' CSRs are not its.
import assert from 'node:assert/strict';
import type { V1CertificateSigningRequest } from '@kubernetes/client-node';
import forge from 'node-forge';
import { judgeServingCsr } from '../../src/provider/kubelet/serving-approver.js';

const NODE = 'vk-node';
const ADDRESSES = ['192.168.0.10', 'fd00::a'];
// One key for every CSR: generating RSA keys in forge is slow.
const keys = forge.pki.rsa.generateKeyPair(1024);

interface Shape {
  cn?: string;
  o?: string[];
  extraSubject?: { name: string; value: string }[];
  altNames?: { type: number; value?: string; ip?: string }[];
  signer?: string;
  username?: string;
  usages?: string[];
  conditions?: { type: string; status: string }[];
  request?: string;
}

function csr(shape: Shape = {}): V1CertificateSigningRequest {
  const request = forge.pki.createCertificationRequest();
  request.publicKey = keys.publicKey;
  request.setSubject([
    { name: 'commonName', value: shape.cn ?? `system:node:${NODE}` },
    ...(shape.o ?? ['system:nodes']).map((value) => ({ name: 'organizationName', value })),
    ...(shape.extraSubject ?? []),
  ]);
  const altNames = shape.altNames ?? [
    { type: 2, value: NODE },
    { type: 7, ip: '192.168.0.10' },
  ];
  if (altNames.length > 0)
    request.setAttributes([{ name: 'extensionRequest', extensions: [{ name: 'subjectAltName', altNames }] }]);
  request.sign(keys.privateKey, forge.md.sha256.create());
  return {
    metadata: { name: 'csr' },
    spec: {
      request: shape.request ?? Buffer.from(forge.pki.certificationRequestToPem(request)).toString('base64'),
      signerName: shape.signer ?? 'kubernetes.io/kubelet-serving',
      username: shape.username ?? `system:node:${NODE}`,
      groups: ['system:nodes', 'system:authenticated'],
      usages: shape.usages ?? ['digital signature', 'key encipherment', 'server auth'],
    },
    status: shape.conditions ? { conditions: shape.conditions } : {},
  };
}

const judge = (c: V1CertificateSigningRequest) => judgeServingCsr(c, NODE, ADDRESSES);

function refused(c: V1CertificateSigningRequest, reason: RegExp): void {
  const verdict = judge(c);
  assert.equal(verdict.kind, 'refuse', JSON.stringify(verdict));
  assert.match((verdict as { reason: string }).reason, reason);
}

describe('the kubelet-serving approver’s checks', () => {
  it('approves what the runtime asks for: its name, its address, server usages', () => {
    assert.deepEqual(judge(csr()), { kind: 'approve' });
    assert.deepEqual(judge(csr({ usages: ['digital signature', 'server auth'] })), { kind: 'approve' });
    assert.deepEqual(judge(csr({ altNames: [] })), { kind: 'approve' });
    // An IPv6 address matches in any spelling.
    assert.deepEqual(judge(csr({ altNames: [{ type: 7, ip: 'fd00:0:0:0:0:0:0:a' }] })), { kind: 'approve' });
  });

  it('leaves alone what is not its node’s pending kubelet-serving CSR', () => {
    assert.equal(judge(csr({ signer: 'kubernetes.io/kube-apiserver-client-kubelet' })).kind, 'not-ours');
    assert.equal(judge(csr({ username: 'system:node:other' })).kind, 'not-ours');
    assert.equal(judge(csr({ username: 'admin' })).kind, 'not-ours');
    assert.equal(judge(csr({ conditions: [{ type: 'Approved', status: 'True' }] })).kind, 'not-ours');
    assert.equal(judge(csr({ conditions: [{ type: 'Denied', status: 'True' }] })).kind, 'not-ours');
  });

  it('refuses names other than the node’s and addresses other than its own', () => {
    refused(
      csr({ altNames: [{ type: 2, value: 'kubernetes.default.svc' }] }),
      /DNS name kubernetes\.default\.svc/,
    );
    refused(
      csr({
        altNames: [
          { type: 2, value: NODE },
          { type: 2, value: `${NODE}.evil` },
        ],
      }),
      /DNS name/,
    );
    refused(csr({ altNames: [{ type: 7, ip: '10.0.0.1' }] }), /IP 10\.0\.0\.1 is not an address/);
    refused(csr({ altNames: [{ type: 7, ip: 'fd00::b' }] }), /IP fd00::b/);
    refused(csr({ altNames: [{ type: 1, value: 'root@example.com' }] }), /type 1/);
    refused(csr({ altNames: [{ type: 6, value: 'spiffe://cluster/ns/x' }] }), /type 6/);
    // With no known address, no IP passes.
    const verdict = judgeServingCsr(csr(), NODE, []);
    assert.equal(verdict.kind, 'refuse');
  });

  it('refuses a subject other than system:node:<node> in exactly system:nodes', () => {
    refused(csr({ cn: 'system:node:other' }), /subject CN/);
    refused(csr({ cn: 'kubernetes' }), /subject CN/);
    refused(csr({ o: ['system:masters'] }), /subject O/);
    refused(csr({ o: ['system:nodes', 'system:masters'] }), /subject O/);
    refused(csr({ o: [] }), /subject O/);
    refused(csr({ extraSubject: [{ name: 'organizationalUnitName', value: 'x' }] }), /other than CN and O/);
  });

  it('refuses usages beyond serving, or without server auth', () => {
    refused(
      csr({ usages: ['digital signature', 'key encipherment', 'server auth', 'client auth'] }),
      /client auth/,
    );
    refused(csr({ usages: ['digital signature', 'key encipherment'] }), /lack server auth/);
    refused(csr({ usages: ['server auth', 'cert sign'] }), /cert sign/);
  });

  it('refuses a request that does not parse', () => {
    refused(csr({ request: Buffer.from('not a CSR').toString('base64') }), /does not parse/);
  });
});
