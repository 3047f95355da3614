// PEM armour for DER blobs.

export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** The DER of the first PEM block with this label; throws if there is none. */
export function fromPem(label: string, pem: string): Buffer {
  const begin = `-----BEGIN ${label}-----`;
  const start = pem.indexOf(begin);
  const end = pem.indexOf(`-----END ${label}-----`, start);
  if (start < 0 || end < 0) throw new Error(`no "${label}" PEM block found`);
  return Buffer.from(pem.slice(start + begin.length, end).replace(/\s+/g, ''), 'base64');
}
