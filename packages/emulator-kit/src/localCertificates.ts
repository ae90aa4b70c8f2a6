import { generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import forge from 'node-forge';

export interface LocalCertificates {
  /** Where the CA certificate is, for `NODE_EXTRA_CA_CERTS` or an SDK's `ca` option. */
  readonly caPath: string;
  readonly caPem: string;
  /** The server's certificate (for `localhost` and `127.0.0.1`) and key, signed by the CA. */
  readonly certPem: string;
  readonly keyPem: string;
}

const files = { ca: 'ca.pem', cert: 'server.pem', key: 'server-key.pem' } as const;

/**
 * A local certificate authority and a server certificate it signed, for the stand-ins that speak
 * TLS as Azure does (MQTT over TLS, HTTPS). Kept in `dir` and reused, so a device or shell that
 * trusts the CA keeps trusting it across restarts (with `--data`); made afresh when `dir` has none.
 */
export async function loadOrCreateCertificates(dir: string): Promise<LocalCertificates> {
  const at = (name: string) => path.join(dir, name);
  try {
    const [caPem, certPem, keyPem] = await Promise.all(
      [files.ca, files.cert, files.key].map((name) => readFile(at(name), 'utf8')),
    );
    const cert = forge.pki.certificateFromPem(certPem as string);
    // A certificate within a day of its end is replaced rather than served.
    if (cert.validity.notAfter.getTime() - Date.now() > 24 * 60 * 60_000)
      return {
        caPath: at(files.ca),
        caPem: caPem as string,
        certPem: certPem as string,
        keyPem: keyPem as string,
      };
  } catch {
    // None yet, or unreadable: make new ones below.
  }
  const created = createCertificates();
  await mkdir(dir, { recursive: true });
  await writeFile(at(files.ca), created.caPem);
  await writeFile(at(files.cert), created.certPem);
  await writeFile(at(files.key), created.keyPem, { mode: 0o600 });
  return { caPath: at(files.ca), ...created };
}

function createCertificates(): Omit<LocalCertificates, 'caPath'> {
  const caKeys = rsaKeys();
  const ca = forge.pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = serialNumber();
  ca.validity.notBefore = new Date(Date.now() - 60_000);
  ca.validity.notAfter = new Date(Date.now() + 825 * 24 * 60 * 60_000);
  const caName = [{ name: 'commonName', value: 'fieldline local CA' }];
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const serverKeys = rsaKeys();
  const server = forge.pki.createCertificate();
  server.publicKey = serverKeys.publicKey;
  server.serialNumber = serialNumber();
  server.validity.notBefore = ca.validity.notBefore;
  // Clients refuse server certificates valid for more than 398 days.
  server.validity.notAfter = new Date(Date.now() + 397 * 24 * 60 * 60_000);
  server.setSubject([{ name: 'commonName', value: 'localhost' }]);
  server.setIssuer(caName);
  server.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
      ],
    },
  ]);
  server.sign(caKeys.privateKey, forge.md.sha256.create());
  return {
    caPem: forge.pki.certificateToPem(ca),
    certPem: forge.pki.certificateToPem(server),
    keyPem: forge.pki.privateKeyToPem(serverKeys.privateKey),
  };
}

/** RSA keys from Node's own (native) generator: node-forge's takes seconds. */
function rsaKeys(): { publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
    privateKey: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey,
  };
}

function serialNumber(): string {
  // Positive, 16 random bytes, as hex.
  return `01${forge.util.bytesToHex(forge.random.getBytesSync(15))}`;
}
