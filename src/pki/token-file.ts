// Static bearer tokens in kube-apiserver's --token-auth-file format:
//   token,user,uid[,"group1,group2"]
// CSV as Go's encoding/csv reads it (quoted fields, "" for a quote, quoted newlines);
// blank lines and lines starting with '#' are skipped.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { UserInfo } from './types.js';

export type TokenLookup = (token: string) => UserInfo | undefined;

interface CsvRecord {
  line: number;
  fields: string[];
}

function parseCsv(text: string, source: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const src = text.replace(/\r\n/g, '\n');
  let pos = 0;
  let line = 1;
  const fail = (at: number, column: number, message: string): never => {
    throw new Error(`${source} line ${at}, column ${column}: ${message}`);
  };
  while (pos < src.length) {
    const lineEnd = src.indexOf('\n', pos);
    const rest = src.slice(pos, lineEnd < 0 ? src.length : lineEnd);
    if (rest.trim() === '' || rest.startsWith('#')) {
      pos += rest.length + 1;
      line++;
      continue;
    }
    const startLine = line;
    let lineStart = pos;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (src[pos] === '"') {
        pos++;
        for (;;) {
          if (pos >= src.length)
            fail(line, pos - lineStart + 1, 'extraneous or missing " in quoted-field');
          const ch = src[pos];
          if (ch === '"') {
            if (src[pos + 1] === '"') {
              field += '"';
              pos += 2;
              continue;
            }
            pos++;
            break;
          }
          if (ch === '\n') {
            line++;
            lineStart = pos + 1;
          }
          field += ch;
          pos++;
        }
        const next = src[pos];
        if (next !== undefined && next !== ',' && next !== '\n') {
          fail(line, pos - lineStart + 1, 'extraneous or missing " in quoted-field');
        }
      } else {
        while (pos < src.length && src[pos] !== ',' && src[pos] !== '\n') {
          if (src[pos] === '"') fail(line, pos - lineStart + 1, 'bare " in non-quoted field');
          field += src[pos];
          pos++;
        }
      }
      fields.push(field);
      if (src[pos] === ',') {
        pos++;
        continue;
      }
      pos++; // the newline (or past the end)
      line++;
      break;
    }
    records.push({ line: startLine, fields });
  }
  return records;
}

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/**
 * Parses a token file and returns a lookup. A later line with the same token replaces an
 * earlier one; lines with an empty token are skipped, as kube-apiserver does.
 */
export function parseTokenAuthFile(text: string, source = 'token file'): TokenLookup {
  const byToken = new Map<string, UserInfo>();
  for (const { line, fields } of parseCsv(text, source)) {
    if (fields.length < 3) {
      throw new Error(
        `${source} line ${line}: must have at least 3 columns (token, user name, user uid), found ${fields.length}`,
      );
    }
    const [token = '', name = '', uid = '', groups] = fields;
    if (token === '') continue;
    const user: UserInfo = { name, uid, groups: groups ? groups.split(',').filter(Boolean) : [] };
    byToken.set(token, user);
  }
  // Compare fixed-length digests against every entry, so timing says nothing about tokens.
  const entries = [...byToken].map(([token, user]) => ({ digest: digest(token), user }));
  return (token: string) => {
    const wanted = digest(token);
    let found: UserInfo | undefined;
    for (const entry of entries) {
      if (timingSafeEqual(entry.digest, wanted)) found = entry.user;
    }
    return found && { ...found, groups: [...found.groups] };
  };
}
