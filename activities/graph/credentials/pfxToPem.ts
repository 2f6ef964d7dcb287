import forge from 'node-forge';

/**
 * A PFX (PKCS#12) as the PEM that ClientCertificateCredential reads: the private key first, then
 * the certificates. @azure/identity only reads PEM; node:crypto cannot open PKCS#12.
 * Throws a message naming the problem (never the password).
 */
export function pfxToPem(pfxBase64: string, password: string): string {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.decode64(pfxBase64));
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
  } catch {
    throw new Error('the PFX file could not be opened: wrong password, or not a PKCS#12 file');
  }
  const bags = (type: string): forge.pkcs12.Bag[] => p12.getBags({ bagType: type })[type] ?? [];
  const keys = [...bags(forge.pki.oids.pkcs8ShroudedKeyBag as string), ...bags(forge.pki.oids.keyBag as string)];
  const certificates = bags(forge.pki.oids.certBag as string);
  const key = keys.find((b) => b.key)?.key;
  if (!key) throw new Error('the PFX file holds no private key');
  if (!certificates.some((b) => b.cert)) throw new Error('the PFX file holds no certificate');
  const pem = [forge.pki.privateKeyInfoToPem(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(key)))];
  for (const bag of certificates) if (bag.cert) pem.push(forge.pki.certificateToPem(bag.cert));
  return pem.join('');
}
